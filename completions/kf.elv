
use builtin;
use str;

set edit:completion:arg-completer[kf] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kf'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kf'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand cluster 'Run and inspect a local Kafka cluster'
            cand generate 'Write shell completions and man pages (for packagers and the repository)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;cluster'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand up 'Start a local cluster (foreground; Ctrl-C stops it)'
            cand down 'Stop the running local cluster'
            cand status 'Show the running local cluster: brokers, addresses, controller'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;cluster;up'= {
            cand -n 'Number of brokers'
            cand --brokers 'Number of brokers'
            cand -p 'Base port: broker i listens on BASE+i; 0 picks free ports'
            cand --port 'Base port: broker i listens on BASE+i; 0 picks free ports'
            cand --data-dir 'Data directory (default: kf/cluster under the user''s data directory)'
            cand -c 'A Kafka broker property, e.g. -c num.partitions=4 (repeatable)'
            cand --broker-config 'A Kafka broker property, e.g. -c num.partitions=4 (repeatable)'
            cand --config 'A YAML file with the same settings (brokers, port, data-dir, bind, broker-config)'
            cand --bind 'Address the listeners bind to'
            cand --detach 'Start in the background and return once the cluster is ready'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kf;cluster;down'= {
            cand --data-dir 'Data directory of the cluster (default: the one last started)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kf;cluster;status'= {
            cand --data-dir 'Data directory of the cluster (default: the one last started)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kf;cluster;help'= {
            cand up 'Start a local cluster (foreground; Ctrl-C stops it)'
            cand down 'Stop the running local cluster'
            cand status 'Show the running local cluster: brokers, addresses, controller'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;cluster;help;up'= {
        }
        &'kf;cluster;help;down'= {
        }
        &'kf;cluster;help;status'= {
        }
        &'kf;cluster;help;help'= {
        }
        &'kf;generate'= {
            cand --out-dir 'The directory to write `completions/` and `man/` under'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kf;help'= {
            cand cluster 'Run and inspect a local Kafka cluster'
            cand generate 'Write shell completions and man pages (for packagers and the repository)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;help;cluster'= {
            cand up 'Start a local cluster (foreground; Ctrl-C stops it)'
            cand down 'Stop the running local cluster'
            cand status 'Show the running local cluster: brokers, addresses, controller'
        }
        &'kf;help;cluster;up'= {
        }
        &'kf;help;cluster;down'= {
        }
        &'kf;help;cluster;status'= {
        }
        &'kf;help;generate'= {
        }
        &'kf;help;help'= {
        }
    ]
    $completions[$command]
}
