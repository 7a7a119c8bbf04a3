# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kf_global_optspecs
    string join \n h/help V/version
end

function __fish_kf_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kf_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kf_using_subcommand
    set -l cmd (__fish_kf_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kf -n "__fish_kf_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_needs_command" -s V -l version -d 'Print version'
complete -c kf -n "__fish_kf_needs_command" -f -a "cluster" -d 'Run and inspect a local Kafka cluster'
complete -c kf -n "__fish_kf_needs_command" -f -a "bench" -d 'Measure produce and consume throughput and latency'
complete -c kf -n "__fish_kf_needs_command" -f -a "generate" -d 'Write shell completions and man pages (for packagers and the repository)'
complete -c kf -n "__fish_kf_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status help" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status help" -f -a "up" -d 'Start a local cluster (foreground; Ctrl-C stops it)'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status help" -f -a "down" -d 'Stop the running local cluster'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status help" -f -a "status" -d 'Show the running local cluster: brokers, addresses, controller'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -s n -l brokers -d 'Number of brokers' -r
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -s p -l port -d 'Base port: broker i listens on BASE+i; 0 picks free ports' -r
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -l data-dir -d 'Data directory (default: kf/cluster under the user\'s data directory)' -r -F
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -s c -l broker-config -d 'A Kafka broker property, e.g. -c num.partitions=4 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -l config -d 'A YAML file with the same settings (brokers, port, data-dir, bind, broker-config)' -r -F
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -l bind -d 'Address the listeners bind to' -r
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -l detach -d 'Start in the background and return once the cluster is ready'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from down" -l data-dir -d 'Data directory of the cluster (default: the one last started)' -r -F
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from down" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from status" -l data-dir -d 'Data directory of the cluster (default: the one last started)' -r -F
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "up" -d 'Start a local cluster (foreground; Ctrl-C stops it)'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "down" -d 'Stop the running local cluster'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show the running local cluster: brokers, addresses, controller'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand bench; and not __fish_seen_subcommand_from produce consume help" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand bench; and not __fish_seen_subcommand_from produce consume help" -f -a "produce" -d 'Produce generated records as fast as allowed and report throughput and latency, like Kafka\'s kafka-producer-perf-test'
complete -c kf -n "__fish_kf_using_subcommand bench; and not __fish_seen_subcommand_from produce consume help" -f -a "consume" -d 'Read a topic as fast as possible and report throughput and fetch latency, like Kafka\'s kafka-consumer-perf-test'
complete -c kf -n "__fish_kf_using_subcommand bench; and not __fish_seen_subcommand_from produce consume help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -s n -l num-records -d 'Number of records to produce' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -s s -l record-size -d 'Size of each record\'s value in bytes' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -s t -l throughput -d 'Cap on records per second; -1 for no cap' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -l acks -d 'Acknowledgements to wait for (default: the client\'s, all)' -r -f -a "0\t''
1\t''
all\t''
-1\t''"
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -s z -l compression -d 'Compression codec (default: the client\'s, none)' -r -f -a "none\t''
gzip\t''
snappy\t''
lz4\t''
zstd\t''"
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -s p -l partition -d 'Produce every record to this partition (default: the sticky partitioner)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -l reporting-interval -d 'Milliseconds between the periodic report lines' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: $KF_BOOTSTRAP, else --profile, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -s n -l num-records -d 'Stop after this many records (default: at the end offsets seen at the start)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -s p -l partitions -d 'Partitions to read, comma separated (default: all)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -l timeout -d 'Give up when no record arrives for this many milliseconds' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -l reporting-interval -d 'Milliseconds between the periodic report lines' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: $KF_BOOTSTRAP, else --profile, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "produce" -d 'Produce generated records as fast as allowed and report throughput and latency, like Kafka\'s kafka-producer-perf-test'
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "consume" -d 'Read a topic as fast as possible and report throughput and fetch latency, like Kafka\'s kafka-consumer-perf-test'
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand generate" -l out-dir -d 'The directory to write `completions/` and `man/` under' -r -F
complete -c kf -n "__fish_kf_using_subcommand generate" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster bench generate help" -f -a "cluster" -d 'Run and inspect a local Kafka cluster'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster bench generate help" -f -a "bench" -d 'Measure produce and consume throughput and latency'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster bench generate help" -f -a "generate" -d 'Write shell completions and man pages (for packagers and the repository)'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster bench generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "up" -d 'Start a local cluster (foreground; Ctrl-C stops it)'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "down" -d 'Stop the running local cluster'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "status" -d 'Show the running local cluster: brokers, addresses, controller'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "produce" -d 'Produce generated records as fast as allowed and report throughput and latency, like Kafka\'s kafka-producer-perf-test'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "consume" -d 'Read a topic as fast as possible and report throughput and fetch latency, like Kafka\'s kafka-consumer-perf-test'
