
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
            cand topic 'Create, list, describe, change and delete topics'
            cand group 'Inspect consumer groups, reset and delete their offsets'
            cand txn 'Inspect transactions and producers, find and abort hanging transactions'
            cand produce 'Produce records from stdin or a file'
            cand consume 'Print records of one or more topics'
            cand pipe 'Consume, transform and produce exactly once'
            cand top 'A live dashboard of brokers, topics, partitions, groups and transactions'
            cand bench 'Measure produce and consume throughput and latency'
            cand generate 'Write shell completions and man pages (for packagers and the repository)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;cluster'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand up 'Start a local cluster (foreground; Ctrl-C stops it)'
            cand down 'Stop the running local cluster'
            cand status 'Show the running local cluster: brokers (up, down, isolated, fenced), controller, partition health'
            cand kill 'Crash one broker of the running local cluster (its data stays; `kf cluster start` brings it back)'
            cand start 'Start a killed broker again, on its old ports and data'
            cand isolate 'Cut one broker off from the other brokers and the metadata quorum (clients still reach it)'
            cand heal 'Restore the links of one broker, or of every broker'
            cand info 'Describe any Kafka cluster: id, brokers, controller, metadata quorum, API versions'
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
            cand --advertise 'Bind every interface and tell clients to connect to HOST (a name or address other hosts and containers reach this machine by); short for listeners=PLAINTEXT://:BASE and advertised.listeners=PLAINTEXT://HOST:BASE'
            cand --racks 'Racks assigned to the brokers in turn (broker.rack), e.g. --racks a,b,c: replicas of a partition are spread over racks'
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
        &'kf;cluster;kill'= {
            cand --data-dir 'Data directory of the cluster (default: the one last started)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kf;cluster;start'= {
            cand --data-dir 'Data directory of the cluster (default: the one last started)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kf;cluster;isolate'= {
            cand --data-dir 'Data directory of the cluster (default: the one last started)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kf;cluster;heal'= {
            cand --data-dir 'Data directory of the cluster (default: the one last started)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kf;cluster;info'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;cluster;help'= {
            cand up 'Start a local cluster (foreground; Ctrl-C stops it)'
            cand down 'Stop the running local cluster'
            cand status 'Show the running local cluster: brokers (up, down, isolated, fenced), controller, partition health'
            cand kill 'Crash one broker of the running local cluster (its data stays; `kf cluster start` brings it back)'
            cand start 'Start a killed broker again, on its old ports and data'
            cand isolate 'Cut one broker off from the other brokers and the metadata quorum (clients still reach it)'
            cand heal 'Restore the links of one broker, or of every broker'
            cand info 'Describe any Kafka cluster: id, brokers, controller, metadata quorum, API versions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;cluster;help;up'= {
        }
        &'kf;cluster;help;down'= {
        }
        &'kf;cluster;help;status'= {
        }
        &'kf;cluster;help;kill'= {
        }
        &'kf;cluster;help;start'= {
        }
        &'kf;cluster;help;isolate'= {
        }
        &'kf;cluster;help;heal'= {
        }
        &'kf;cluster;help;info'= {
        }
        &'kf;cluster;help;help'= {
        }
        &'kf;topic'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand create 'Create a topic'
            cand list 'List topics with their partition count and replication factor'
            cand describe 'Describe topics: config overrides, partitions, leaders, replicas, ISR'
            cand delete 'Delete topics'
            cand alter-config 'Change a topic''s config overrides (IncrementalAlterConfigs)'
            cand add-partitions 'Add partitions to a topic (existing partitions keep their data)'
            cand reassign 'Move a partition''s replicas to other brokers, list or cancel moves (KIP-455)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;topic;create'= {
            cand -p 'Number of partitions (default: the broker''s num.partitions)'
            cand --partitions 'Number of partitions (default: the broker''s num.partitions)'
            cand -r 'Replication factor (default: the broker''s default.replication.factor)'
            cand --replication-factor 'Replication factor (default: the broker''s default.replication.factor)'
            cand -c 'A topic config, e.g. -c cleanup.policy=compact (repeatable)'
            cand --config 'A topic config, e.g. -c cleanup.policy=compact (repeatable)'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand --if-not-exists 'Succeed quietly when the topic already exists'
            cand --validate-only 'Ask the broker to check the request without creating the topic'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;topic;list'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -i 'Include internal topics (__consumer_offsets, ...)'
            cand --internal 'Include internal topics (__consumer_offsets, ...)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;topic;describe'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -a 'Show every config with its source, not only the topic''s overrides'
            cand --all-configs 'Show every config with its source, not only the topic''s overrides'
            cand --under-replicated 'Only partitions whose ISR is smaller than their replica set'
            cand --unavailable 'Only partitions without a leader'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;topic;delete'= {
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand --if-exists 'Succeed quietly for topics that do not exist'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;topic;alter-config'= {
            cand -s 'Set a config override (repeatable)'
            cand --set 'Set a config override (repeatable)'
            cand -d 'Remove a config override, back to the broker default (repeatable)'
            cand --delete 'Remove a config override, back to the broker default (repeatable)'
            cand --append 'Add a value to a list config, e.g. cleanup.policy (repeatable)'
            cand --subtract 'Remove a value from a list config (repeatable)'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand --validate-only 'Ask the broker to check the change without applying it'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;topic;add-partitions'= {
            cand -n 'How many partitions to add'
            cand --num 'How many partitions to add'
            cand --total 'The partition count to grow to (must exceed the current count)'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand --validate-only 'Ask the broker to check the change without applying it'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;topic;reassign'= {
            cand --replicas 'The brokers the partition moves to, its preferred leader first'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand --list 'List the reassignments under way (of TOPIC:PARTITION when given)'
            cand --cancel 'Cancel the partition''s reassignment'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;topic;help'= {
            cand create 'Create a topic'
            cand list 'List topics with their partition count and replication factor'
            cand describe 'Describe topics: config overrides, partitions, leaders, replicas, ISR'
            cand delete 'Delete topics'
            cand alter-config 'Change a topic''s config overrides (IncrementalAlterConfigs)'
            cand add-partitions 'Add partitions to a topic (existing partitions keep their data)'
            cand reassign 'Move a partition''s replicas to other brokers, list or cancel moves (KIP-455)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;topic;help;create'= {
        }
        &'kf;topic;help;list'= {
        }
        &'kf;topic;help;describe'= {
        }
        &'kf;topic;help;delete'= {
        }
        &'kf;topic;help;alter-config'= {
        }
        &'kf;topic;help;add-partitions'= {
        }
        &'kf;topic;help;reassign'= {
        }
        &'kf;topic;help;help'= {
        }
        &'kf;group'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List consumer groups on every broker'
            cand describe 'Describe groups: state, assignor, coordinator, members and per-partition offsets and lag'
            cand lag 'Show the total and per-partition lag of groups'
            cand reset-offsets 'Move a group''s committed offsets (prints the plan; changes nothing without --execute)'
            cand delete 'Delete groups that have no active members, with their committed offsets'
            cand delete-offsets 'Delete a group''s committed offsets of some topics or partitions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;group;list'= {
            cand --state 'Only groups in this state, e.g. Stable, Empty, PreparingRebalance (repeatable)'
            cand --type 'Only groups of this type (repeatable)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;group;describe'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand --read-committed 'Compute lag against the last stable offset, as a read_committed consumer sees the log'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;group;lag'= {
            cand --interval 'Time between refreshes with --watch, e.g. 500ms, 2s'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand --read-committed 'Compute lag against the last stable offset, as a read_committed consumer sees the log'
            cand -w 'Refresh in place until interrupted'
            cand --watch 'Refresh in place until interrupted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;group;reset-offsets'= {
            cand --topic 'A topic, or some of its partitions as TOPIC:P,P,... (repeatable)'
            cand --to-offset 'To this offset'
            cand --shift-by 'Move the committed offset by N (negative: back)'
            cand --to-datetime 'To the first offset at or after this time: RFC 3339 (2026-01-31T12:00:00Z), local YYYY-MM-DDTHH:MM:SS[.mmm], or milliseconds since the epoch'
            cand --by-duration 'To the first offset at or after now minus this duration: 30m, 2h, 1d or ISO 8601 (PT1H30M, P1DT2H)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand --all-topics 'Every topic the group has committed offsets for'
            cand --to-earliest 'To each partition''s log start offset'
            cand --to-latest 'To each partition''s log end offset'
            cand --execute 'Commit the new offsets (without it only the plan is printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;group;delete'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;group;delete-offsets'= {
            cand --topic 'A topic, or some of its partitions as TOPIC:P,P,... (repeatable)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;group;help'= {
            cand list 'List consumer groups on every broker'
            cand describe 'Describe groups: state, assignor, coordinator, members and per-partition offsets and lag'
            cand lag 'Show the total and per-partition lag of groups'
            cand reset-offsets 'Move a group''s committed offsets (prints the plan; changes nothing without --execute)'
            cand delete 'Delete groups that have no active members, with their committed offsets'
            cand delete-offsets 'Delete a group''s committed offsets of some topics or partitions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;group;help;list'= {
        }
        &'kf;group;help;describe'= {
        }
        &'kf;group;help;lag'= {
        }
        &'kf;group;help;reset-offsets'= {
        }
        &'kf;group;help;delete'= {
        }
        &'kf;group;help;delete-offsets'= {
        }
        &'kf;group;help;help'= {
        }
        &'kf;txn'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List transactional ids on every broker, with their state and producer id'
            cand describe 'Describe transactional ids: state, producer id and epoch, coordinator, timeout, start time, duration and partitions'
            cand producers 'Show a partition''s active producers: epoch, last sequence, open transaction start offset'
            cand find-hanging 'Find open transactions older than the maximum transaction timeout that their coordinator does not know of (hanging transactions)'
            cand abort 'Abort a hanging transaction in one partition (writes an abort marker at its leader)'
            cand trace 'Watch transactions change state live: one line per transition and per marker'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;txn;list'= {
            cand --state 'Only transactions in this state (Kafka''s names, repeatable)'
            cand --producer-id 'Only transactions of this producer id (repeatable)'
            cand --min-duration 'Only transactions open longer than this, e.g. 30s, 5m, PT1H (ListTransactions v1); completed ones are left out'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;txn;describe'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;txn;producers'= {
            cand -p 'Only this partition (default: every partition)'
            cand --partition 'Only this partition (default: every partition)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;txn;find-hanging'= {
            cand --broker 'Only partitions with a replica on this broker, asked of this broker'
            cand --topic 'Only this topic (default: every topic)'
            cand --partition 'Only this partition of --topic'
            cand --max-transaction-timeout 'The cluster''s transaction.max.timeout.ms, in minutes: only transactions open longer are candidates'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;txn;abort'= {
            cand --topic 'Topic of the partition'
            cand --partition 'Partition'
            cand --start-offset 'The first offset of the open transaction to abort'
            cand --producer-id 'The producer id of the transaction (with --producer-epoch and --coordinator-epoch)'
            cand --producer-epoch 'The producer''s epoch'
            cand --coordinator-epoch 'The coordinator epoch (`kf txn producers` shows it; negative means 0)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;txn;trace'= {
            cand -c 'Exit after this many events'
            cand --count 'Exit after this many events'
            cand -o 'Output format: text lines, or one JSON object per line'
            cand --output 'Output format: text lines, or one JSON object per line'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand --from-beginning 'Replay every transition still in __transaction_state before following new ones'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;txn;help'= {
            cand list 'List transactional ids on every broker, with their state and producer id'
            cand describe 'Describe transactional ids: state, producer id and epoch, coordinator, timeout, start time, duration and partitions'
            cand producers 'Show a partition''s active producers: epoch, last sequence, open transaction start offset'
            cand find-hanging 'Find open transactions older than the maximum transaction timeout that their coordinator does not know of (hanging transactions)'
            cand abort 'Abort a hanging transaction in one partition (writes an abort marker at its leader)'
            cand trace 'Watch transactions change state live: one line per transition and per marker'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;txn;help;list'= {
        }
        &'kf;txn;help;describe'= {
        }
        &'kf;txn;help;producers'= {
        }
        &'kf;txn;help;find-hanging'= {
        }
        &'kf;txn;help;abort'= {
        }
        &'kf;txn;help;trace'= {
        }
        &'kf;txn;help;help'= {
        }
        &'kf;produce'= {
            cand --file 'Read records from this file instead of stdin'
            cand -D 'Record delimiter (escapes such as \n, \t, \0 and \xHH allowed)'
            cand --delimiter 'Record delimiter (escapes such as \n, \t, \0 and \xHH allowed)'
            cand -k 'Split each record at the first DELIM into key and value (no DELIM: no key)'
            cand --key-delimiter 'Split each record at the first DELIM into key and value (no DELIM: no key)'
            cand -f 'Parse each record with this format (see below), e.g. ''%k|%s'''
            cand --format 'Parse each record with this format (see below), e.g. ''%k|%s'''
            cand -H 'Add a header NAME=VALUE to every record (repeatable; NAME alone: a null value)'
            cand --header 'Add a header NAME=VALUE to every record (repeatable; NAME alone: a null value)'
            cand -p 'Produce every record to this partition (default: by key, murmur2 as Kafka''s clients)'
            cand --partition 'Produce every record to this partition (default: by key, murmur2 as Kafka''s clients)'
            cand --acks 'Acknowledgements to wait for: 0, 1, all or -1 [default: all, or -X acks]'
            cand -z 'Compression codec: none, gzip, snappy, lz4, zstd [default: none, or -X compression.type]'
            cand --compression 'Compression codec: none, gzip, snappy, lz4, zstd [default: none, or -X compression.type]'
            cand --key-encoding 'How input keys are written: as is, or hex / base64 to decode'
            cand --value-encoding 'How input values are written: as is, or hex / base64 to decode'
            cand --transactional-id 'Write the input in transactions with this transactional.id (fencing any older producer with it)'
            cand --transaction-size 'Commit a transaction every N records [default: one transaction for all the input]'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -Z 'An empty value is a tombstone (null value) rather than an empty one'
            cand --null-empty 'An empty value is a tombstone (null value) rather than an empty one'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;consume'= {
            cand -o 'Where to start (see Offsets below) [default: end]'
            cand --offset 'Where to start (see Offsets below) [default: end]'
            cand -p 'Only these partitions (repeatable; not with -G)'
            cand --partition 'Only these partitions (repeatable; not with -G)'
            cand -c 'Exit after this many records'
            cand --count 'Exit after this many records'
            cand -G 'Join this consumer group; offsets are committed as records are read'
            cand --group 'Join this consumer group; offsets are committed as records are read'
            cand --group-protocol 'The group protocol (with -G): classic works with every broker; consumer (KIP-848) needs Kafka 4.0+ or kf and rebalances without stopping the other members [default: classic]'
            cand --isolation 'Which records to read: read_uncommitted sees aborted transactions'' records too'
            cand -f 'Print each record with this format (see below)'
            cand --format 'Print each record with this format (see below)'
            cand --key-encoding 'How keys are printed'
            cand --value-encoding 'How values are printed'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -e 'Exit once every partition has been read to its end as it was when assigned: its high watermark, or with --isolation read_committed its last stable offset (a transaction still open is not waited for, as kcat and Kafka''s console consumer do)'
            cand --exit 'Exit once every partition has been read to its end as it was when assigned: its high watermark, or with --isolation read_committed its last stable offset (a transaction still open is not waited for, as kcat and Kafka''s console consumer do)'
            cand --print-control-records 'Also print transaction markers (control records)'
            cand -J 'Print one JSON object per record, with kcat''s field names'
            cand --json 'Print one JSON object per record, with kcat''s field names'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;pipe'= {
            cand -g 'Consumer group whose committed offsets say where to resume'
            cand --group 'Consumer group whose committed offsets say where to resume'
            cand --transactional-id 'The producer''s transactional.id: one per running pipe (a second one fences the first)'
            cand --exec 'Transform each value with this shell command, one line in and one line out'
            cand -c 'Exit after this many records were committed'
            cand --count 'Exit after this many records were committed'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;top'= {
            cand --interval 'Refresh interval, e.g. 1s, 500ms, 2s'
            cand -o 'Output format of --once'
            cand --output 'Output format of --once'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand --once 'Print one snapshot of every view and exit instead of drawing the dashboard'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
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
            cand --transactional-id 'Produce in transactions with this transactional.id (as Kafka''s perf test)'
            cand --transaction-size 'Records per transaction [default: 1000 with --transactional-id]'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kf;bench;consume'= {
            cand -n 'Stop after this many records (default: at the end offsets seen at the start)'
            cand --num-records 'Stop after this many records (default: at the end offsets seen at the start)'
            cand -p 'Partitions to read, comma separated (default: all; not with -G)'
            cand --partitions 'Partitions to read, comma separated (default: all; not with -G)'
            cand -G 'Read as a member of this consumer group (subscribe) instead of assigning partitions'
            cand --group 'Read as a member of this consumer group (subscribe) instead of assigning partitions'
            cand --group-protocol 'The group protocol (with -G): classic works with every broker; consumer (KIP-848) needs Kafka 4.0+ or kf and rebalances without stopping the other members [default: classic]'
            cand --timeout 'Give up when no record arrives for this many milliseconds'
            cand --reporting-interval 'Milliseconds between the periodic report lines'
            cand -b 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --bootstrap-server 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)'
            cand --profile 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)'
            cand -X 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
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
            cand topic 'Create, list, describe, change and delete topics'
            cand group 'Inspect consumer groups, reset and delete their offsets'
            cand txn 'Inspect transactions and producers, find and abort hanging transactions'
            cand produce 'Produce records from stdin or a file'
            cand consume 'Print records of one or more topics'
            cand pipe 'Consume, transform and produce exactly once'
            cand top 'A live dashboard of brokers, topics, partitions, groups and transactions'
            cand bench 'Measure produce and consume throughput and latency'
            cand generate 'Write shell completions and man pages (for packagers and the repository)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kf;help;cluster'= {
            cand up 'Start a local cluster (foreground; Ctrl-C stops it)'
            cand down 'Stop the running local cluster'
            cand status 'Show the running local cluster: brokers (up, down, isolated, fenced), controller, partition health'
            cand kill 'Crash one broker of the running local cluster (its data stays; `kf cluster start` brings it back)'
            cand start 'Start a killed broker again, on its old ports and data'
            cand isolate 'Cut one broker off from the other brokers and the metadata quorum (clients still reach it)'
            cand heal 'Restore the links of one broker, or of every broker'
            cand info 'Describe any Kafka cluster: id, brokers, controller, metadata quorum, API versions'
        }
        &'kf;help;cluster;up'= {
        }
        &'kf;help;cluster;down'= {
        }
        &'kf;help;cluster;status'= {
        }
        &'kf;help;cluster;kill'= {
        }
        &'kf;help;cluster;start'= {
        }
        &'kf;help;cluster;isolate'= {
        }
        &'kf;help;cluster;heal'= {
        }
        &'kf;help;cluster;info'= {
        }
        &'kf;help;topic'= {
            cand create 'Create a topic'
            cand list 'List topics with their partition count and replication factor'
            cand describe 'Describe topics: config overrides, partitions, leaders, replicas, ISR'
            cand delete 'Delete topics'
            cand alter-config 'Change a topic''s config overrides (IncrementalAlterConfigs)'
            cand add-partitions 'Add partitions to a topic (existing partitions keep their data)'
            cand reassign 'Move a partition''s replicas to other brokers, list or cancel moves (KIP-455)'
        }
        &'kf;help;topic;create'= {
        }
        &'kf;help;topic;list'= {
        }
        &'kf;help;topic;describe'= {
        }
        &'kf;help;topic;delete'= {
        }
        &'kf;help;topic;alter-config'= {
        }
        &'kf;help;topic;add-partitions'= {
        }
        &'kf;help;topic;reassign'= {
        }
        &'kf;help;group'= {
            cand list 'List consumer groups on every broker'
            cand describe 'Describe groups: state, assignor, coordinator, members and per-partition offsets and lag'
            cand lag 'Show the total and per-partition lag of groups'
            cand reset-offsets 'Move a group''s committed offsets (prints the plan; changes nothing without --execute)'
            cand delete 'Delete groups that have no active members, with their committed offsets'
            cand delete-offsets 'Delete a group''s committed offsets of some topics or partitions'
        }
        &'kf;help;group;list'= {
        }
        &'kf;help;group;describe'= {
        }
        &'kf;help;group;lag'= {
        }
        &'kf;help;group;reset-offsets'= {
        }
        &'kf;help;group;delete'= {
        }
        &'kf;help;group;delete-offsets'= {
        }
        &'kf;help;txn'= {
            cand list 'List transactional ids on every broker, with their state and producer id'
            cand describe 'Describe transactional ids: state, producer id and epoch, coordinator, timeout, start time, duration and partitions'
            cand producers 'Show a partition''s active producers: epoch, last sequence, open transaction start offset'
            cand find-hanging 'Find open transactions older than the maximum transaction timeout that their coordinator does not know of (hanging transactions)'
            cand abort 'Abort a hanging transaction in one partition (writes an abort marker at its leader)'
            cand trace 'Watch transactions change state live: one line per transition and per marker'
        }
        &'kf;help;txn;list'= {
        }
        &'kf;help;txn;describe'= {
        }
        &'kf;help;txn;producers'= {
        }
        &'kf;help;txn;find-hanging'= {
        }
        &'kf;help;txn;abort'= {
        }
        &'kf;help;txn;trace'= {
        }
        &'kf;help;produce'= {
        }
        &'kf;help;consume'= {
        }
        &'kf;help;pipe'= {
        }
        &'kf;help;top'= {
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
