
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
            cand bench 'Measure produce and consume throughput and latency'
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
        &'kf;bench'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand produce 'Produce generated records as fast as allowed and report throughput and latency, like Kafka''s kafka-producer-perf-test'
            cand consume 'Read a topic as fast as possible and report throughput and fetch latency, like Kafka''s kafka-consumer-perf-test'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;bench;produce'= {
            cand -n 'Number of records to produce'
            cand --num-records 'Number of records to produce'
            cand -s 'Size of each record''s value in bytes'
            cand --record-size 'Size of each record''s value in bytes'
            cand -t 'Cap on records per second; -1 for no cap'
            cand --throughput 'Cap on records per second; -1 for no cap'
            cand --acks 'Acknowledgements to wait for (default: the client''s, all)'
            cand -z 'Compression codec (default: the client''s, none)'
            cand --compression 'Compression codec (default: the client''s, none)'
            cand -p 'Produce every record to this partition (default: the sticky partitioner)'
            cand --partition 'Produce every record to this partition (default: the sticky partitioner)'
            cand --reporting-interval 'Milliseconds between the periodic report lines'
            cand -b 'Bootstrap servers, comma separated (default: $KF_BOOTSTRAP, else --profile, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: $KF_BOOTSTRAP, else --profile, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kf;bench;consume'= {
            cand -n 'Stop after this many records (default: at the end offsets seen at the start)'
            cand --num-records 'Stop after this many records (default: at the end offsets seen at the start)'
            cand -p 'Partitions to read, comma separated (default: all)'
            cand --partitions 'Partitions to read, comma separated (default: all)'
            cand --timeout 'Give up when no record arrives for this many milliseconds'
            cand --reporting-interval 'Milliseconds between the periodic report lines'
            cand -b 'Bootstrap servers, comma separated (default: $KF_BOOTSTRAP, else --profile, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: $KF_BOOTSTRAP, else --profile, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kf;bench;help'= {
            cand produce 'Produce generated records as fast as allowed and report throughput and latency, like Kafka''s kafka-producer-perf-test'
            cand consume 'Read a topic as fast as possible and report throughput and fetch latency, like Kafka''s kafka-consumer-perf-test'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;bench;help;produce'= {
        }
        &'kf;bench;help;consume'= {
        }
        &'kf;bench;help;help'= {
        }
        &'kf;generate'= {
            cand --out-dir 'The directory to write `completions/` and `man/` under'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kf;help'= {
            cand cluster 'Run and inspect a local Kafka cluster'
            cand bench 'Measure produce and consume throughput and latency'
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
        &'kf;help;bench'= {
            cand produce 'Produce generated records as fast as allowed and report throughput and latency, like Kafka''s kafka-producer-perf-test'
            cand consume 'Read a topic as fast as possible and report throughput and fetch latency, like Kafka''s kafka-consumer-perf-test'
        }
        &'kf;help;bench;produce'= {
        }
        &'kf;help;bench;consume'= {
        }
        &'kf;help;generate'= {
        }
        &'kf;help;help'= {
        }
    ]
    $completions[$command]
}
