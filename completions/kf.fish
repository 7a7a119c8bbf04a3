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
complete -c kf -n "__fish_kf_needs_command" -f -a "topic" -d 'Create, list, describe, change and delete topics'
complete -c kf -n "__fish_kf_needs_command" -f -a "group" -d 'Inspect consumer groups, reset and delete their offsets'
complete -c kf -n "__fish_kf_needs_command" -f -a "txn" -d 'Inspect transactions and producers, find and abort hanging transactions'
complete -c kf -n "__fish_kf_needs_command" -f -a "produce" -d 'Produce records from stdin or a file'
complete -c kf -n "__fish_kf_needs_command" -f -a "consume" -d 'Print records of one or more topics'
complete -c kf -n "__fish_kf_needs_command" -f -a "pipe" -d 'Consume, transform and produce exactly once'
complete -c kf -n "__fish_kf_needs_command" -f -a "top" -d 'A live dashboard of brokers, topics, partitions, groups and transactions'
complete -c kf -n "__fish_kf_needs_command" -f -a "bench" -d 'Measure produce and consume throughput and latency'
complete -c kf -n "__fish_kf_needs_command" -f -a "generate" -d 'Write shell completions and man pages (for packagers and the repository)'
complete -c kf -n "__fish_kf_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status kill start isolate heal info help" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status kill start isolate heal info help" -f -a "up" -d 'Start a local cluster (foreground; Ctrl-C stops it)'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status kill start isolate heal info help" -f -a "down" -d 'Stop the running local cluster'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status kill start isolate heal info help" -f -a "status" -d 'Show the running local cluster: brokers (up, down, isolated, fenced), controller, partition health'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status kill start isolate heal info help" -f -a "kill" -d 'Crash one broker of the running local cluster (its data stays; `kf cluster start` brings it back)'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status kill start isolate heal info help" -f -a "start" -d 'Start a killed broker again, on its old ports and data'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status kill start isolate heal info help" -f -a "isolate" -d 'Cut one broker off from the other brokers and the metadata quorum (clients still reach it)'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status kill start isolate heal info help" -f -a "heal" -d 'Restore the links of one broker, or of every broker'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status kill start isolate heal info help" -f -a "info" -d 'Describe any Kafka cluster: id, brokers, controller, metadata quorum, API versions'
complete -c kf -n "__fish_kf_using_subcommand cluster; and not __fish_seen_subcommand_from up down status kill start isolate heal info help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -s n -l brokers -d 'Number of brokers' -r
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -s p -l port -d 'Base port: broker i listens on BASE+i; 0 picks free ports' -r
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -l data-dir -d 'Data directory (default: kf/cluster under the user\'s data directory)' -r -F
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -s c -l broker-config -d 'A Kafka broker property, e.g. -c num.partitions=4 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -l config -d 'A YAML file with the same settings (brokers, port, data-dir, bind, broker-config)' -r -F
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -l bind -d 'Address the listeners bind to' -r
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -l advertise -d 'Bind every interface and tell clients to connect to HOST (a name or address other hosts and containers reach this machine by); short for listeners=PLAINTEXT://:BASE and advertised.listeners=PLAINTEXT://HOST:BASE' -r
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from up" -l racks -d 'Racks assigned to the brokers in turn (broker.rack), e.g. --racks a,b,c: replicas of a partition are spread over racks' -r
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
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from kill" -l data-dir -d 'Data directory of the cluster (default: the one last started)' -r -F
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from start" -l data-dir -d 'Data directory of the cluster (default: the one last started)' -r -F
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from isolate" -l data-dir -d 'Data directory of the cluster (default: the one last started)' -r -F
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from isolate" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from heal" -l data-dir -d 'Data directory of the cluster (default: the one last started)' -r -F
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from heal" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from info" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from info" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from info" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from info" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "up" -d 'Start a local cluster (foreground; Ctrl-C stops it)'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "down" -d 'Stop the running local cluster'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show the running local cluster: brokers (up, down, isolated, fenced), controller, partition health'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "kill" -d 'Crash one broker of the running local cluster (its data stays; `kf cluster start` brings it back)'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "start" -d 'Start a killed broker again, on its old ports and data'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "isolate" -d 'Cut one broker off from the other brokers and the metadata quorum (clients still reach it)'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "heal" -d 'Restore the links of one broker, or of every broker'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "info" -d 'Describe any Kafka cluster: id, brokers, controller, metadata quorum, API versions'
complete -c kf -n "__fish_kf_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete alter-config add-partitions reassign help" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete alter-config add-partitions reassign help" -f -a "create" -d 'Create a topic'
complete -c kf -n "__fish_kf_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete alter-config add-partitions reassign help" -f -a "list" -d 'List topics with their partition count and replication factor'
complete -c kf -n "__fish_kf_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete alter-config add-partitions reassign help" -f -a "describe" -d 'Describe topics: config overrides, partitions, leaders, replicas, ISR'
complete -c kf -n "__fish_kf_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete alter-config add-partitions reassign help" -f -a "delete" -d 'Delete topics'
complete -c kf -n "__fish_kf_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete alter-config add-partitions reassign help" -f -a "alter-config" -d 'Change a topic\'s config overrides (IncrementalAlterConfigs)'
complete -c kf -n "__fish_kf_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete alter-config add-partitions reassign help" -f -a "add-partitions" -d 'Add partitions to a topic (existing partitions keep their data)'
complete -c kf -n "__fish_kf_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete alter-config add-partitions reassign help" -f -a "reassign" -d 'Move a partition\'s replicas to other brokers, list or cancel moves (KIP-455)'
complete -c kf -n "__fish_kf_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete alter-config add-partitions reassign help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from create" -s p -l partitions -d 'Number of partitions (default: the broker\'s num.partitions)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from create" -s r -l replication-factor -d 'Replication factor (default: the broker\'s default.replication.factor)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from create" -s c -l config -d 'A topic config, e.g. -c cleanup.policy=compact (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from create" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from create" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from create" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from create" -l if-not-exists -d 'Succeed quietly when the topic already exists'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from create" -l validate-only -d 'Ask the broker to check the request without creating the topic'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from list" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from list" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from list" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from list" -s i -l internal -d 'Include internal topics (__consumer_offsets, ...)'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from describe" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from describe" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from describe" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from describe" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from describe" -s a -l all-configs -d 'Show every config with its source, not only the topic\'s overrides'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from describe" -l under-replicated -d 'Only partitions whose ISR is smaller than their replica set'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from describe" -l unavailable -d 'Only partitions without a leader'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from delete" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from delete" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from delete" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from delete" -l if-exists -d 'Succeed quietly for topics that do not exist'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -s s -l set -d 'Set a config override (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -s d -l delete -d 'Remove a config override, back to the broker default (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -l append -d 'Add a value to a list config, e.g. cleanup.policy (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -l subtract -d 'Remove a value from a list config (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -l validate-only -d 'Ask the broker to check the change without applying it'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -s n -l num -d 'How many partitions to add' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -l total -d 'The partition count to grow to (must exceed the current count)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -l validate-only -d 'Ask the broker to check the change without applying it'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l replicas -d 'The brokers the partition moves to, its preferred leader first' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from reassign" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from reassign" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from reassign" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l list -d 'List the reassignments under way (of TOPIC:PARTITION when given)'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l cancel -d 'Cancel the partition\'s reassignment'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from reassign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a topic'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "list" -d 'List topics with their partition count and replication factor'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "describe" -d 'Describe topics: config overrides, partitions, leaders, replicas, ISR'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete topics'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "alter-config" -d 'Change a topic\'s config overrides (IncrementalAlterConfigs)'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "add-partitions" -d 'Add partitions to a topic (existing partitions keep their data)'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "reassign" -d 'Move a partition\'s replicas to other brokers, list or cancel moves (KIP-455)'
complete -c kf -n "__fish_kf_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand group; and not __fish_seen_subcommand_from list describe lag reset-offsets delete delete-offsets help" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand group; and not __fish_seen_subcommand_from list describe lag reset-offsets delete delete-offsets help" -f -a "list" -d 'List consumer groups on every broker'
complete -c kf -n "__fish_kf_using_subcommand group; and not __fish_seen_subcommand_from list describe lag reset-offsets delete delete-offsets help" -f -a "describe" -d 'Describe groups: state, assignor, coordinator, members and per-partition offsets and lag'
complete -c kf -n "__fish_kf_using_subcommand group; and not __fish_seen_subcommand_from list describe lag reset-offsets delete delete-offsets help" -f -a "lag" -d 'Show the total and per-partition lag of groups'
complete -c kf -n "__fish_kf_using_subcommand group; and not __fish_seen_subcommand_from list describe lag reset-offsets delete delete-offsets help" -f -a "reset-offsets" -d 'Move a group\'s committed offsets (prints the plan; changes nothing without --execute)'
complete -c kf -n "__fish_kf_using_subcommand group; and not __fish_seen_subcommand_from list describe lag reset-offsets delete delete-offsets help" -f -a "delete" -d 'Delete groups that have no active members, with their committed offsets'
complete -c kf -n "__fish_kf_using_subcommand group; and not __fish_seen_subcommand_from list describe lag reset-offsets delete delete-offsets help" -f -a "delete-offsets" -d 'Delete a group\'s committed offsets of some topics or partitions'
complete -c kf -n "__fish_kf_using_subcommand group; and not __fish_seen_subcommand_from list describe lag reset-offsets delete delete-offsets help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from list" -l state -d 'Only groups in this state, e.g. Stable, Empty, PreparingRebalance (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from list" -l type -d 'Only groups of this type (repeatable)' -r -f -a "classic\t'Groups on the classic protocol (JoinGroup/SyncGroup)'
consumer\t'Groups on the consumer protocol (KIP-848, ConsumerGroupHeartbeat)'"
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from list" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from list" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from list" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from describe" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from describe" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from describe" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from describe" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from describe" -l read-committed -d 'Compute lag against the last stable offset, as a read_committed consumer sees the log'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from lag" -l interval -d 'Time between refreshes with --watch, e.g. 500ms, 2s' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from lag" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from lag" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from lag" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from lag" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from lag" -l read-committed -d 'Compute lag against the last stable offset, as a read_committed consumer sees the log'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from lag" -s w -l watch -d 'Refresh in place until interrupted'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from lag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l topic -d 'A topic, or some of its partitions as TOPIC:P,P,... (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-offset -d 'To this offset' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l shift-by -d 'Move the committed offset by N (negative: back)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-datetime -d 'To the first offset at or after this time: RFC 3339 (2026-01-31T12:00:00Z), local YYYY-MM-DDTHH:MM:SS[.mmm], or milliseconds since the epoch' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l by-duration -d 'To the first offset at or after now minus this duration: 30m, 2h, 1d or ISO 8601 (PT1H30M, P1DT2H)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l all-topics -d 'Every topic the group has committed offsets for'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-earliest -d 'To each partition\'s log start offset'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-latest -d 'To each partition\'s log end offset'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l execute -d 'Commit the new offsets (without it only the plan is printed)'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from delete" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from delete" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from delete" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -l topic -d 'A topic, or some of its partitions as TOPIC:P,P,... (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "list" -d 'List consumer groups on every broker'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "describe" -d 'Describe groups: state, assignor, coordinator, members and per-partition offsets and lag'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "lag" -d 'Show the total and per-partition lag of groups'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "reset-offsets" -d 'Move a group\'s committed offsets (prints the plan; changes nothing without --execute)'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete groups that have no active members, with their committed offsets'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "delete-offsets" -d 'Delete a group\'s committed offsets of some topics or partitions'
complete -c kf -n "__fish_kf_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand txn; and not __fish_seen_subcommand_from list describe producers find-hanging abort trace help" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand txn; and not __fish_seen_subcommand_from list describe producers find-hanging abort trace help" -f -a "list" -d 'List transactional ids on every broker, with their state and producer id'
complete -c kf -n "__fish_kf_using_subcommand txn; and not __fish_seen_subcommand_from list describe producers find-hanging abort trace help" -f -a "describe" -d 'Describe transactional ids: state, producer id and epoch, coordinator, timeout, start time, duration and partitions'
complete -c kf -n "__fish_kf_using_subcommand txn; and not __fish_seen_subcommand_from list describe producers find-hanging abort trace help" -f -a "producers" -d 'Show a partition\'s active producers: epoch, last sequence, open transaction start offset'
complete -c kf -n "__fish_kf_using_subcommand txn; and not __fish_seen_subcommand_from list describe producers find-hanging abort trace help" -f -a "find-hanging" -d 'Find open transactions older than the maximum transaction timeout that their coordinator does not know of (hanging transactions)'
complete -c kf -n "__fish_kf_using_subcommand txn; and not __fish_seen_subcommand_from list describe producers find-hanging abort trace help" -f -a "abort" -d 'Abort a hanging transaction in one partition (writes an abort marker at its leader)'
complete -c kf -n "__fish_kf_using_subcommand txn; and not __fish_seen_subcommand_from list describe producers find-hanging abort trace help" -f -a "trace" -d 'Watch transactions change state live: one line per transition and per marker'
complete -c kf -n "__fish_kf_using_subcommand txn; and not __fish_seen_subcommand_from list describe producers find-hanging abort trace help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from list" -l state -d 'Only transactions in this state (Kafka\'s names, repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from list" -l producer-id -d 'Only transactions of this producer id (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from list" -l min-duration -d 'Only transactions open longer than this, e.g. 30s, 5m, PT1H (ListTransactions v1); completed ones are left out' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from list" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from list" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from list" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from describe" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from describe" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from describe" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from describe" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from producers" -s p -l partition -d 'Only this partition (default: every partition)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from producers" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from producers" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from producers" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from producers" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from producers" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from find-hanging" -l broker -d 'Only partitions with a replica on this broker, asked of this broker' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from find-hanging" -l topic -d 'Only this topic (default: every topic)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from find-hanging" -l partition -d 'Only this partition of --topic' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from find-hanging" -l max-transaction-timeout -d 'The cluster\'s transaction.max.timeout.ms, in minutes: only transactions open longer are candidates' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from find-hanging" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from find-hanging" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from find-hanging" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from find-hanging" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from find-hanging" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from abort" -l topic -d 'Topic of the partition' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from abort" -l partition -d 'Partition' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from abort" -l start-offset -d 'The first offset of the open transaction to abort' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from abort" -l producer-id -d 'The producer id of the transaction (with --producer-epoch and --coordinator-epoch)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from abort" -l producer-epoch -d 'The producer\'s epoch' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from abort" -l coordinator-epoch -d 'The coordinator epoch (`kf txn producers` shows it; negative means 0)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from abort" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from abort" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from abort" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from abort" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from abort" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from trace" -s c -l count -d 'Exit after this many events' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from trace" -s o -l output -d 'Output format: text lines, or one JSON object per line' -r -f -a "text\t''
json\t'One JSON object per line'"
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from trace" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from trace" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from trace" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from trace" -l from-beginning -d 'Replay every transition still in __transaction_state before following new ones'
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from trace" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from help" -f -a "list" -d 'List transactional ids on every broker, with their state and producer id'
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from help" -f -a "describe" -d 'Describe transactional ids: state, producer id and epoch, coordinator, timeout, start time, duration and partitions'
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from help" -f -a "producers" -d 'Show a partition\'s active producers: epoch, last sequence, open transaction start offset'
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from help" -f -a "find-hanging" -d 'Find open transactions older than the maximum transaction timeout that their coordinator does not know of (hanging transactions)'
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from help" -f -a "abort" -d 'Abort a hanging transaction in one partition (writes an abort marker at its leader)'
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from help" -f -a "trace" -d 'Watch transactions change state live: one line per transition and per marker'
complete -c kf -n "__fish_kf_using_subcommand txn; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand produce" -l file -d 'Read records from this file instead of stdin' -r -F
complete -c kf -n "__fish_kf_using_subcommand produce" -s D -l delimiter -d 'Record delimiter (escapes such as \\n, \\t, \\0 and \\xHH allowed)' -r
complete -c kf -n "__fish_kf_using_subcommand produce" -s k -l key-delimiter -d 'Split each record at the first DELIM into key and value (no DELIM: no key)' -r
complete -c kf -n "__fish_kf_using_subcommand produce" -s f -l format -d 'Parse each record with this format (see below), e.g. \'%k|%s\'' -r
complete -c kf -n "__fish_kf_using_subcommand produce" -s H -l header -d 'Add a header NAME=VALUE to every record (repeatable; NAME alone: a null value)' -r
complete -c kf -n "__fish_kf_using_subcommand produce" -s p -l partition -d 'Produce every record to this partition (default: by key, murmur2 as Kafka\'s clients)' -r
complete -c kf -n "__fish_kf_using_subcommand produce" -l acks -d 'Acknowledgements to wait for: 0, 1, all or -1 [default: all, or -X acks]' -r -f -a "0\t''
1\t''
all\t''
-1\t''"
complete -c kf -n "__fish_kf_using_subcommand produce" -s z -l compression -d 'Compression codec: none, gzip, snappy, lz4, zstd [default: none, or -X compression.type]' -r -f -a "none\t''
gzip\t''
snappy\t''
lz4\t''
zstd\t''"
complete -c kf -n "__fish_kf_using_subcommand produce" -l key-encoding -d 'How input keys are written: as is, or hex / base64 to decode' -r -f -a "text\t'The bytes as they are'
hex\t'Lowercase hexadecimal'
base64\t'Standard base64 with padding'"
complete -c kf -n "__fish_kf_using_subcommand produce" -l value-encoding -d 'How input values are written: as is, or hex / base64 to decode' -r -f -a "text\t'The bytes as they are'
hex\t'Lowercase hexadecimal'
base64\t'Standard base64 with padding'"
complete -c kf -n "__fish_kf_using_subcommand produce" -l transactional-id -d 'Write the input in transactions with this transactional.id (fencing any older producer with it)' -r
complete -c kf -n "__fish_kf_using_subcommand produce" -l transaction-size -d 'Commit a transaction every N records [default: one transaction for all the input]' -r
complete -c kf -n "__fish_kf_using_subcommand produce" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand produce" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand produce" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand produce" -s Z -l null-empty -d 'An empty value is a tombstone (null value) rather than an empty one'
complete -c kf -n "__fish_kf_using_subcommand produce" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand consume" -s o -l offset -d 'Where to start (see Offsets below) [default: end]' -r
complete -c kf -n "__fish_kf_using_subcommand consume" -s p -l partition -d 'Only these partitions (repeatable; not with -G)' -r
complete -c kf -n "__fish_kf_using_subcommand consume" -s c -l count -d 'Exit after this many records' -r
complete -c kf -n "__fish_kf_using_subcommand consume" -s G -l group -d 'Join this consumer group; offsets are committed as records are read' -r
complete -c kf -n "__fish_kf_using_subcommand consume" -l group-protocol -d 'The group protocol (with -G): classic works with every broker; consumer (KIP-848) needs Kafka 4.0+ or kf and rebalances without stopping the other members [default: classic]' -r -f -a "classic\t'JoinGroup/SyncGroup, a member assigns: every Kafka version (Kafka\'s clients\' default)'
consumer\t'KIP-848: the coordinator assigns, incrementally (Kafka 4.0+ and kf)'"
complete -c kf -n "__fish_kf_using_subcommand consume" -l isolation -d 'Which records to read: read_uncommitted sees aborted transactions\' records too' -r -f -a "read_committed\t'Only records of committed transactions (up to the last stable offset)'
read_uncommitted\t'Every record up to the high watermark (Kafka\'s default)'"
complete -c kf -n "__fish_kf_using_subcommand consume" -s f -l format -d 'Print each record with this format (see below)' -r
complete -c kf -n "__fish_kf_using_subcommand consume" -l key-encoding -d 'How keys are printed' -r -f -a "text\t'The bytes as they are'
hex\t'Lowercase hexadecimal'
base64\t'Standard base64 with padding'"
complete -c kf -n "__fish_kf_using_subcommand consume" -l value-encoding -d 'How values are printed' -r -f -a "text\t'The bytes as they are'
hex\t'Lowercase hexadecimal'
base64\t'Standard base64 with padding'"
complete -c kf -n "__fish_kf_using_subcommand consume" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand consume" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand consume" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand consume" -s e -l exit -d 'Exit once every partition has been read to its end as it was when assigned: its high watermark, or with --isolation read_committed its last stable offset (a transaction still open is not waited for, as kcat and Kafka\'s console consumer do)'
complete -c kf -n "__fish_kf_using_subcommand consume" -l print-control-records -d 'Also print transaction markers (control records)'
complete -c kf -n "__fish_kf_using_subcommand consume" -s J -l json -d 'Print one JSON object per record, with kcat\'s field names'
complete -c kf -n "__fish_kf_using_subcommand consume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand pipe" -s g -l group -d 'Consumer group whose committed offsets say where to resume' -r
complete -c kf -n "__fish_kf_using_subcommand pipe" -l transactional-id -d 'The producer\'s transactional.id: one per running pipe (a second one fences the first)' -r
complete -c kf -n "__fish_kf_using_subcommand pipe" -l exec -d 'Transform each value with this shell command, one line in and one line out' -r
complete -c kf -n "__fish_kf_using_subcommand pipe" -s c -l count -d 'Exit after this many records were committed' -r
complete -c kf -n "__fish_kf_using_subcommand pipe" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand pipe" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand pipe" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand pipe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand top" -l interval -d 'Refresh interval, e.g. 1s, 500ms, 2s' -r
complete -c kf -n "__fish_kf_using_subcommand top" -s o -l output -d 'Output format of --once' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kf -n "__fish_kf_using_subcommand top" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand top" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand top" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand top" -l once -d 'Print one snapshot of every view and exit instead of drawing the dashboard'
complete -c kf -n "__fish_kf_using_subcommand top" -s h -l help -d 'Print help (see more with \'--help\')'
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
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -l transactional-id -d 'Produce in transactions with this transactional.id (as Kafka\'s perf test)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -l transaction-size -d 'Records per transaction [default: 1000 with --transactional-id]' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from produce" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -s n -l num-records -d 'Stop after this many records (default: at the end offsets seen at the start)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -s p -l partitions -d 'Partitions to read, comma separated (default: all; not with -G)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -s G -l group -d 'Read as a member of this consumer group (subscribe) instead of assigning partitions' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -l group-protocol -d 'The group protocol (with -G): classic works with every broker; consumer (KIP-848) needs Kafka 4.0+ or kf and rebalances without stopping the other members [default: classic]' -r -f -a "classic\t'JoinGroup/SyncGroup, a member assigns: every Kafka version (Kafka\'s clients\' default)'
consumer\t'KIP-848: the coordinator assigns, incrementally (Kafka 4.0+ and kf)'"
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -l timeout -d 'Give up when no record arrives for this many milliseconds' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -l reporting-interval -d 'Milliseconds between the periodic report lines' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -s b -l bootstrap-server -d 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -l profile -d 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -s X -d 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)' -r
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from consume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "produce" -d 'Produce generated records as fast as allowed and report throughput and latency, like Kafka\'s kafka-producer-perf-test'
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "consume" -d 'Read a topic as fast as possible and report throughput and fetch latency, like Kafka\'s kafka-consumer-perf-test'
complete -c kf -n "__fish_kf_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand generate" -l out-dir -d 'The directory to write `completions/` and `man/` under' -r -F
complete -c kf -n "__fish_kf_using_subcommand generate" -s h -l help -d 'Print help'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster topic group txn produce consume pipe top bench generate help" -f -a "cluster" -d 'Run and inspect a local Kafka cluster'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster topic group txn produce consume pipe top bench generate help" -f -a "topic" -d 'Create, list, describe, change and delete topics'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster topic group txn produce consume pipe top bench generate help" -f -a "group" -d 'Inspect consumer groups, reset and delete their offsets'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster topic group txn produce consume pipe top bench generate help" -f -a "txn" -d 'Inspect transactions and producers, find and abort hanging transactions'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster topic group txn produce consume pipe top bench generate help" -f -a "produce" -d 'Produce records from stdin or a file'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster topic group txn produce consume pipe top bench generate help" -f -a "consume" -d 'Print records of one or more topics'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster topic group txn produce consume pipe top bench generate help" -f -a "pipe" -d 'Consume, transform and produce exactly once'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster topic group txn produce consume pipe top bench generate help" -f -a "top" -d 'A live dashboard of brokers, topics, partitions, groups and transactions'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster topic group txn produce consume pipe top bench generate help" -f -a "bench" -d 'Measure produce and consume throughput and latency'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster topic group txn produce consume pipe top bench generate help" -f -a "generate" -d 'Write shell completions and man pages (for packagers and the repository)'
complete -c kf -n "__fish_kf_using_subcommand help; and not __fish_seen_subcommand_from cluster topic group txn produce consume pipe top bench generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "up" -d 'Start a local cluster (foreground; Ctrl-C stops it)'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "down" -d 'Stop the running local cluster'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "status" -d 'Show the running local cluster: brokers (up, down, isolated, fenced), controller, partition health'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "kill" -d 'Crash one broker of the running local cluster (its data stays; `kf cluster start` brings it back)'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "start" -d 'Start a killed broker again, on its old ports and data'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "isolate" -d 'Cut one broker off from the other brokers and the metadata quorum (clients still reach it)'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "heal" -d 'Restore the links of one broker, or of every broker'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "info" -d 'Describe any Kafka cluster: id, brokers, controller, metadata quorum, API versions'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "create" -d 'Create a topic'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "list" -d 'List topics with their partition count and replication factor'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "describe" -d 'Describe topics: config overrides, partitions, leaders, replicas, ISR'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "delete" -d 'Delete topics'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "alter-config" -d 'Change a topic\'s config overrides (IncrementalAlterConfigs)'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "add-partitions" -d 'Add partitions to a topic (existing partitions keep their data)'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "reassign" -d 'Move a partition\'s replicas to other brokers, list or cancel moves (KIP-455)'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "list" -d 'List consumer groups on every broker'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "describe" -d 'Describe groups: state, assignor, coordinator, members and per-partition offsets and lag'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "lag" -d 'Show the total and per-partition lag of groups'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "reset-offsets" -d 'Move a group\'s committed offsets (prints the plan; changes nothing without --execute)'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "delete" -d 'Delete groups that have no active members, with their committed offsets'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "delete-offsets" -d 'Delete a group\'s committed offsets of some topics or partitions'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from txn" -f -a "list" -d 'List transactional ids on every broker, with their state and producer id'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from txn" -f -a "describe" -d 'Describe transactional ids: state, producer id and epoch, coordinator, timeout, start time, duration and partitions'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from txn" -f -a "producers" -d 'Show a partition\'s active producers: epoch, last sequence, open transaction start offset'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from txn" -f -a "find-hanging" -d 'Find open transactions older than the maximum transaction timeout that their coordinator does not know of (hanging transactions)'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from txn" -f -a "abort" -d 'Abort a hanging transaction in one partition (writes an abort marker at its leader)'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from txn" -f -a "trace" -d 'Watch transactions change state live: one line per transition and per marker'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "produce" -d 'Produce generated records as fast as allowed and report throughput and latency, like Kafka\'s kafka-producer-perf-test'
complete -c kf -n "__fish_kf_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "consume" -d 'Read a topic as fast as possible and report throughput and fetch latency, like Kafka\'s kafka-consumer-perf-test'
