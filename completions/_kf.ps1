
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kf' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kf'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kf' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('cluster', 'cluster', [CompletionResultType]::ParameterValue, 'Run and inspect a local Kafka cluster')
            [CompletionResult]::new('topic', 'topic', [CompletionResultType]::ParameterValue, 'Create, list, describe, change and delete topics')
            [CompletionResult]::new('group', 'group', [CompletionResultType]::ParameterValue, 'Inspect consumer groups, reset and delete their offsets')
            [CompletionResult]::new('txn', 'txn', [CompletionResultType]::ParameterValue, 'Inspect transactions and producers, find and abort hanging transactions')
            [CompletionResult]::new('produce', 'produce', [CompletionResultType]::ParameterValue, 'Produce records from stdin or a file')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Print records of one or more topics')
            [CompletionResult]::new('pipe', 'pipe', [CompletionResultType]::ParameterValue, 'Consume, transform and produce exactly once')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'A live dashboard of brokers, topics, partitions, groups and transactions')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Measure produce and consume throughput and latency')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (for packagers and the repository)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kf;cluster' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start a local cluster (foreground; Ctrl-C stops it)')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop the running local cluster')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the running local cluster: brokers (up, down, isolated, fenced), controller, partition health')
            [CompletionResult]::new('kill', 'kill', [CompletionResultType]::ParameterValue, 'Crash one broker of the running local cluster (its data stays; `kf cluster start` brings it back)')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start a killed broker again, on its old ports and data')
            [CompletionResult]::new('isolate', 'isolate', [CompletionResultType]::ParameterValue, 'Cut one broker off from the other brokers and the metadata quorum (clients still reach it)')
            [CompletionResult]::new('heal', 'heal', [CompletionResultType]::ParameterValue, 'Restore the links of one broker, or of every broker')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Describe any Kafka cluster: id, brokers, controller, metadata quorum, API versions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kf;cluster;up' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Number of brokers')
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'Number of brokers')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Base port: broker i listens on BASE+i; 0 picks free ports')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Base port: broker i listens on BASE+i; 0 picks free ports')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (default: kf/cluster under the user''s data directory)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'A Kafka broker property, e.g. -c num.partitions=4 (repeatable)')
            [CompletionResult]::new('--broker-config', '--broker-config', [CompletionResultType]::ParameterName, 'A Kafka broker property, e.g. -c num.partitions=4 (repeatable)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'A YAML file with the same settings (brokers, port, data-dir, bind, broker-config)')
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address the listeners bind to')
            [CompletionResult]::new('--advertise', '--advertise', [CompletionResultType]::ParameterName, 'Bind every interface and tell clients to connect to HOST (a name or address other hosts and containers reach this machine by); short for listeners=PLAINTEXT://:BASE and advertised.listeners=PLAINTEXT://HOST:BASE')
            [CompletionResult]::new('--racks', '--racks', [CompletionResultType]::ParameterName, 'Racks assigned to the brokers in turn (broker.rack), e.g. --racks a,b,c: replicas of a partition are spread over racks')
            [CompletionResult]::new('--detach', '--detach', [CompletionResultType]::ParameterName, 'Start in the background and return once the cluster is ready')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kf;cluster;down' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the cluster (default: the one last started)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kf;cluster;status' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the cluster (default: the one last started)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kf;cluster;kill' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the cluster (default: the one last started)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kf;cluster;start' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the cluster (default: the one last started)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kf;cluster;isolate' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the cluster (default: the one last started)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kf;cluster;heal' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the cluster (default: the one last started)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kf;cluster;info' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;cluster;help' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start a local cluster (foreground; Ctrl-C stops it)')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop the running local cluster')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the running local cluster: brokers (up, down, isolated, fenced), controller, partition health')
            [CompletionResult]::new('kill', 'kill', [CompletionResultType]::ParameterValue, 'Crash one broker of the running local cluster (its data stays; `kf cluster start` brings it back)')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start a killed broker again, on its old ports and data')
            [CompletionResult]::new('isolate', 'isolate', [CompletionResultType]::ParameterValue, 'Cut one broker off from the other brokers and the metadata quorum (clients still reach it)')
            [CompletionResult]::new('heal', 'heal', [CompletionResultType]::ParameterValue, 'Restore the links of one broker, or of every broker')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Describe any Kafka cluster: id, brokers, controller, metadata quorum, API versions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kf;cluster;help;up' {
            break
        }
        'kf;cluster;help;down' {
            break
        }
        'kf;cluster;help;status' {
            break
        }
        'kf;cluster;help;kill' {
            break
        }
        'kf;cluster;help;start' {
            break
        }
        'kf;cluster;help;isolate' {
            break
        }
        'kf;cluster;help;heal' {
            break
        }
        'kf;cluster;help;info' {
            break
        }
        'kf;cluster;help;help' {
            break
        }
        'kf;topic' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a topic')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List topics with their partition count and replication factor')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe topics: config overrides, partitions, leaders, replicas, ISR')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete topics')
            [CompletionResult]::new('alter-config', 'alter-config', [CompletionResultType]::ParameterValue, 'Change a topic''s config overrides (IncrementalAlterConfigs)')
            [CompletionResult]::new('add-partitions', 'add-partitions', [CompletionResultType]::ParameterValue, 'Add partitions to a topic (existing partitions keep their data)')
            [CompletionResult]::new('reassign', 'reassign', [CompletionResultType]::ParameterValue, 'Move a partition''s replicas to other brokers, list or cancel moves (KIP-455)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kf;topic;create' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Number of partitions (default: the broker''s num.partitions)')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'Number of partitions (default: the broker''s num.partitions)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Replication factor (default: the broker''s default.replication.factor)')
            [CompletionResult]::new('--replication-factor', '--replication-factor', [CompletionResultType]::ParameterName, 'Replication factor (default: the broker''s default.replication.factor)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'A topic config, e.g. -c cleanup.policy=compact (repeatable)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'A topic config, e.g. -c cleanup.policy=compact (repeatable)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('--if-not-exists', '--if-not-exists', [CompletionResultType]::ParameterName, 'Succeed quietly when the topic already exists')
            [CompletionResult]::new('--validate-only', '--validate-only', [CompletionResultType]::ParameterName, 'Ask the broker to check the request without creating the topic')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;topic;list' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Include internal topics (__consumer_offsets, ...)')
            [CompletionResult]::new('--internal', '--internal', [CompletionResultType]::ParameterName, 'Include internal topics (__consumer_offsets, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;topic;describe' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Show every config with its source, not only the topic''s overrides')
            [CompletionResult]::new('--all-configs', '--all-configs', [CompletionResultType]::ParameterName, 'Show every config with its source, not only the topic''s overrides')
            [CompletionResult]::new('--under-replicated', '--under-replicated', [CompletionResultType]::ParameterName, 'Only partitions whose ISR is smaller than their replica set')
            [CompletionResult]::new('--unavailable', '--unavailable', [CompletionResultType]::ParameterName, 'Only partitions without a leader')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;topic;delete' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('--if-exists', '--if-exists', [CompletionResultType]::ParameterName, 'Succeed quietly for topics that do not exist')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;topic;alter-config' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Set a config override (repeatable)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set a config override (repeatable)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Remove a config override, back to the broker default (repeatable)')
            [CompletionResult]::new('--delete', '--delete', [CompletionResultType]::ParameterName, 'Remove a config override, back to the broker default (repeatable)')
            [CompletionResult]::new('--append', '--append', [CompletionResultType]::ParameterName, 'Add a value to a list config, e.g. cleanup.policy (repeatable)')
            [CompletionResult]::new('--subtract', '--subtract', [CompletionResultType]::ParameterName, 'Remove a value from a list config (repeatable)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('--validate-only', '--validate-only', [CompletionResultType]::ParameterName, 'Ask the broker to check the change without applying it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;topic;add-partitions' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many partitions to add')
            [CompletionResult]::new('--num', '--num', [CompletionResultType]::ParameterName, 'How many partitions to add')
            [CompletionResult]::new('--total', '--total', [CompletionResultType]::ParameterName, 'The partition count to grow to (must exceed the current count)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('--validate-only', '--validate-only', [CompletionResultType]::ParameterName, 'Ask the broker to check the change without applying it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;topic;reassign' {
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'The brokers the partition moves to, its preferred leader first')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List the reassignments under way (of TOPIC:PARTITION when given)')
            [CompletionResult]::new('--cancel', '--cancel', [CompletionResultType]::ParameterName, 'Cancel the partition''s reassignment')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;topic;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a topic')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List topics with their partition count and replication factor')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe topics: config overrides, partitions, leaders, replicas, ISR')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete topics')
            [CompletionResult]::new('alter-config', 'alter-config', [CompletionResultType]::ParameterValue, 'Change a topic''s config overrides (IncrementalAlterConfigs)')
            [CompletionResult]::new('add-partitions', 'add-partitions', [CompletionResultType]::ParameterValue, 'Add partitions to a topic (existing partitions keep their data)')
            [CompletionResult]::new('reassign', 'reassign', [CompletionResultType]::ParameterValue, 'Move a partition''s replicas to other brokers, list or cancel moves (KIP-455)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kf;topic;help;create' {
            break
        }
        'kf;topic;help;list' {
            break
        }
        'kf;topic;help;describe' {
            break
        }
        'kf;topic;help;delete' {
            break
        }
        'kf;topic;help;alter-config' {
            break
        }
        'kf;topic;help;add-partitions' {
            break
        }
        'kf;topic;help;reassign' {
            break
        }
        'kf;topic;help;help' {
            break
        }
        'kf;group' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List consumer groups on every broker')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe groups: state, assignor, coordinator, members and per-partition offsets and lag')
            [CompletionResult]::new('lag', 'lag', [CompletionResultType]::ParameterValue, 'Show the total and per-partition lag of groups')
            [CompletionResult]::new('reset-offsets', 'reset-offsets', [CompletionResultType]::ParameterValue, 'Move a group''s committed offsets (prints the plan; changes nothing without --execute)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete groups that have no active members, with their committed offsets')
            [CompletionResult]::new('delete-offsets', 'delete-offsets', [CompletionResultType]::ParameterValue, 'Delete a group''s committed offsets of some topics or partitions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kf;group;list' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Only groups in this state, e.g. Stable, Empty, PreparingRebalance (repeatable)')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Only groups of this type (repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;group;describe' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('--read-committed', '--read-committed', [CompletionResultType]::ParameterName, 'Compute lag against the last stable offset, as a read_committed consumer sees the log')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;group;lag' {
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between refreshes with --watch, e.g. 500ms, 2s')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('--read-committed', '--read-committed', [CompletionResultType]::ParameterName, 'Compute lag against the last stable offset, as a read_committed consumer sees the log')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Refresh in place until interrupted')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Refresh in place until interrupted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;group;reset-offsets' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'A topic, or some of its partitions as TOPIC:P,P,... (repeatable)')
            [CompletionResult]::new('--to-offset', '--to-offset', [CompletionResultType]::ParameterName, 'To this offset')
            [CompletionResult]::new('--shift-by', '--shift-by', [CompletionResultType]::ParameterName, 'Move the committed offset by N (negative: back)')
            [CompletionResult]::new('--to-datetime', '--to-datetime', [CompletionResultType]::ParameterName, 'To the first offset at or after this time: RFC 3339 (2026-01-31T12:00:00Z), local YYYY-MM-DDTHH:MM:SS[.mmm], or milliseconds since the epoch')
            [CompletionResult]::new('--by-duration', '--by-duration', [CompletionResultType]::ParameterName, 'To the first offset at or after now minus this duration: 30m, 2h, 1d or ISO 8601 (PT1H30M, P1DT2H)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('--all-topics', '--all-topics', [CompletionResultType]::ParameterName, 'Every topic the group has committed offsets for')
            [CompletionResult]::new('--to-earliest', '--to-earliest', [CompletionResultType]::ParameterName, 'To each partition''s log start offset')
            [CompletionResult]::new('--to-latest', '--to-latest', [CompletionResultType]::ParameterName, 'To each partition''s log end offset')
            [CompletionResult]::new('--execute', '--execute', [CompletionResultType]::ParameterName, 'Commit the new offsets (without it only the plan is printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;group;delete' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;group;delete-offsets' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'A topic, or some of its partitions as TOPIC:P,P,... (repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;group;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List consumer groups on every broker')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe groups: state, assignor, coordinator, members and per-partition offsets and lag')
            [CompletionResult]::new('lag', 'lag', [CompletionResultType]::ParameterValue, 'Show the total and per-partition lag of groups')
            [CompletionResult]::new('reset-offsets', 'reset-offsets', [CompletionResultType]::ParameterValue, 'Move a group''s committed offsets (prints the plan; changes nothing without --execute)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete groups that have no active members, with their committed offsets')
            [CompletionResult]::new('delete-offsets', 'delete-offsets', [CompletionResultType]::ParameterValue, 'Delete a group''s committed offsets of some topics or partitions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kf;group;help;list' {
            break
        }
        'kf;group;help;describe' {
            break
        }
        'kf;group;help;lag' {
            break
        }
        'kf;group;help;reset-offsets' {
            break
        }
        'kf;group;help;delete' {
            break
        }
        'kf;group;help;delete-offsets' {
            break
        }
        'kf;group;help;help' {
            break
        }
        'kf;txn' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List transactional ids on every broker, with their state and producer id')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe transactional ids: state, producer id and epoch, coordinator, timeout, start time, duration and partitions')
            [CompletionResult]::new('producers', 'producers', [CompletionResultType]::ParameterValue, 'Show a partition''s active producers: epoch, last sequence, open transaction start offset')
            [CompletionResult]::new('find-hanging', 'find-hanging', [CompletionResultType]::ParameterValue, 'Find open transactions older than the maximum transaction timeout that their coordinator does not know of (hanging transactions)')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Abort a hanging transaction in one partition (writes an abort marker at its leader)')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Watch transactions change state live: one line per transition and per marker')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kf;txn;list' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Only transactions in this state (Kafka''s names, repeatable)')
            [CompletionResult]::new('--producer-id', '--producer-id', [CompletionResultType]::ParameterName, 'Only transactions of this producer id (repeatable)')
            [CompletionResult]::new('--min-duration', '--min-duration', [CompletionResultType]::ParameterName, 'Only transactions open longer than this, e.g. 30s, 5m, PT1H (ListTransactions v1); completed ones are left out')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;txn;describe' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;txn;producers' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only this partition (default: every partition)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Only this partition (default: every partition)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;txn;find-hanging' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Only partitions with a replica on this broker, asked of this broker')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Only this topic (default: every topic)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Only this partition of --topic')
            [CompletionResult]::new('--max-transaction-timeout', '--max-transaction-timeout', [CompletionResultType]::ParameterName, 'The cluster''s transaction.max.timeout.ms, in minutes: only transactions open longer are candidates')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;txn;abort' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic of the partition')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Partition')
            [CompletionResult]::new('--start-offset', '--start-offset', [CompletionResultType]::ParameterName, 'The first offset of the open transaction to abort')
            [CompletionResult]::new('--producer-id', '--producer-id', [CompletionResultType]::ParameterName, 'The producer id of the transaction (with --producer-epoch and --coordinator-epoch)')
            [CompletionResult]::new('--producer-epoch', '--producer-epoch', [CompletionResultType]::ParameterName, 'The producer''s epoch')
            [CompletionResult]::new('--coordinator-epoch', '--coordinator-epoch', [CompletionResultType]::ParameterName, 'The coordinator epoch (`kf txn producers` shows it; negative means 0)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;txn;trace' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Exit after this many events')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after this many events')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text lines, or one JSON object per line')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text lines, or one JSON object per line')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('--from-beginning', '--from-beginning', [CompletionResultType]::ParameterName, 'Replay every transition still in __transaction_state before following new ones')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;txn;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List transactional ids on every broker, with their state and producer id')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe transactional ids: state, producer id and epoch, coordinator, timeout, start time, duration and partitions')
            [CompletionResult]::new('producers', 'producers', [CompletionResultType]::ParameterValue, 'Show a partition''s active producers: epoch, last sequence, open transaction start offset')
            [CompletionResult]::new('find-hanging', 'find-hanging', [CompletionResultType]::ParameterValue, 'Find open transactions older than the maximum transaction timeout that their coordinator does not know of (hanging transactions)')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Abort a hanging transaction in one partition (writes an abort marker at its leader)')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Watch transactions change state live: one line per transition and per marker')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kf;txn;help;list' {
            break
        }
        'kf;txn;help;describe' {
            break
        }
        'kf;txn;help;producers' {
            break
        }
        'kf;txn;help;find-hanging' {
            break
        }
        'kf;txn;help;abort' {
            break
        }
        'kf;txn;help;trace' {
            break
        }
        'kf;txn;help;help' {
            break
        }
        'kf;produce' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read records from this file instead of stdin')
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'Record delimiter (escapes such as \n, \t, \0 and \xHH allowed)')
            [CompletionResult]::new('--delimiter', '--delimiter', [CompletionResultType]::ParameterName, 'Record delimiter (escapes such as \n, \t, \0 and \xHH allowed)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Split each record at the first DELIM into key and value (no DELIM: no key)')
            [CompletionResult]::new('--key-delimiter', '--key-delimiter', [CompletionResultType]::ParameterName, 'Split each record at the first DELIM into key and value (no DELIM: no key)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Parse each record with this format (see below), e.g. ''%k|%s''')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Parse each record with this format (see below), e.g. ''%k|%s''')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a header NAME=VALUE to every record (repeatable; NAME alone: a null value)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a header NAME=VALUE to every record (repeatable; NAME alone: a null value)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Produce every record to this partition (default: by key, murmur2 as Kafka''s clients)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Produce every record to this partition (default: by key, murmur2 as Kafka''s clients)')
            [CompletionResult]::new('--acks', '--acks', [CompletionResultType]::ParameterName, 'Acknowledgements to wait for: 0, 1, all or -1 [default: all, or -X acks]')
            [CompletionResult]::new('-z', '-z', [CompletionResultType]::ParameterName, 'Compression codec: none, gzip, snappy, lz4, zstd [default: none, or -X compression.type]')
            [CompletionResult]::new('--compression', '--compression', [CompletionResultType]::ParameterName, 'Compression codec: none, gzip, snappy, lz4, zstd [default: none, or -X compression.type]')
            [CompletionResult]::new('--key-encoding', '--key-encoding', [CompletionResultType]::ParameterName, 'How input keys are written: as is, or hex / base64 to decode')
            [CompletionResult]::new('--value-encoding', '--value-encoding', [CompletionResultType]::ParameterName, 'How input values are written: as is, or hex / base64 to decode')
            [CompletionResult]::new('--transactional-id', '--transactional-id', [CompletionResultType]::ParameterName, 'Write the input in transactions with this transactional.id (fencing any older producer with it)')
            [CompletionResult]::new('--transaction-size', '--transaction-size', [CompletionResultType]::ParameterName, 'Commit a transaction every N records [default: one transaction for all the input]')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-Z', '-Z ', [CompletionResultType]::ParameterName, 'An empty value is a tombstone (null value) rather than an empty one')
            [CompletionResult]::new('--null-empty', '--null-empty', [CompletionResultType]::ParameterName, 'An empty value is a tombstone (null value) rather than an empty one')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;consume' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to start (see Offsets below) [default: end]')
            [CompletionResult]::new('--offset', '--offset', [CompletionResultType]::ParameterName, 'Where to start (see Offsets below) [default: end]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable; not with -G)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Only these partitions (repeatable; not with -G)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Exit after this many records')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after this many records')
            [CompletionResult]::new('-G', '-G ', [CompletionResultType]::ParameterName, 'Join this consumer group; offsets are committed as records are read')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Join this consumer group; offsets are committed as records are read')
            [CompletionResult]::new('--group-protocol', '--group-protocol', [CompletionResultType]::ParameterName, 'The group protocol (with -G): classic works with every broker; consumer (KIP-848) needs Kafka 4.0+ or kf and rebalances without stopping the other members [default: classic]')
            [CompletionResult]::new('--isolation', '--isolation', [CompletionResultType]::ParameterName, 'Which records to read: read_uncommitted sees aborted transactions'' records too')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Print each record with this format (see below)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Print each record with this format (see below)')
            [CompletionResult]::new('--key-encoding', '--key-encoding', [CompletionResultType]::ParameterName, 'How keys are printed')
            [CompletionResult]::new('--value-encoding', '--value-encoding', [CompletionResultType]::ParameterName, 'How values are printed')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Exit once every partition has been read to its end as it was when assigned: its high watermark, or with --isolation read_committed its last stable offset (a transaction still open is not waited for, as kcat and Kafka''s console consumer do)')
            [CompletionResult]::new('--exit', '--exit', [CompletionResultType]::ParameterName, 'Exit once every partition has been read to its end as it was when assigned: its high watermark, or with --isolation read_committed its last stable offset (a transaction still open is not waited for, as kcat and Kafka''s console consumer do)')
            [CompletionResult]::new('--print-control-records', '--print-control-records', [CompletionResultType]::ParameterName, 'Also print transaction markers (control records)')
            [CompletionResult]::new('-J', '-J ', [CompletionResultType]::ParameterName, 'Print one JSON object per record, with kcat''s field names')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per record, with kcat''s field names')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;pipe' {
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Consumer group whose committed offsets say where to resume')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Consumer group whose committed offsets say where to resume')
            [CompletionResult]::new('--transactional-id', '--transactional-id', [CompletionResultType]::ParameterName, 'The producer''s transactional.id: one per running pipe (a second one fences the first)')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Transform each value with this shell command, one line in and one line out')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Exit after this many records were committed')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after this many records were committed')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;top' {
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Refresh interval, e.g. 1s, 500ms, 2s')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of --once')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of --once')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Print one snapshot of every view and exit instead of drawing the dashboard')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;bench' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('produce', 'produce', [CompletionResultType]::ParameterValue, 'Produce generated records as fast as allowed and report throughput and latency, like Kafka''s kafka-producer-perf-test')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Read a topic as fast as possible and report throughput and fetch latency, like Kafka''s kafka-consumer-perf-test')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kf;bench;produce' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Number of records to produce')
            [CompletionResult]::new('--num-records', '--num-records', [CompletionResultType]::ParameterName, 'Number of records to produce')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Size of each record''s value in bytes')
            [CompletionResult]::new('--record-size', '--record-size', [CompletionResultType]::ParameterName, 'Size of each record''s value in bytes')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Cap on records per second; -1 for no cap')
            [CompletionResult]::new('--throughput', '--throughput', [CompletionResultType]::ParameterName, 'Cap on records per second; -1 for no cap')
            [CompletionResult]::new('--acks', '--acks', [CompletionResultType]::ParameterName, 'Acknowledgements to wait for (default: the client''s, all)')
            [CompletionResult]::new('-z', '-z', [CompletionResultType]::ParameterName, 'Compression codec (default: the client''s, none)')
            [CompletionResult]::new('--compression', '--compression', [CompletionResultType]::ParameterName, 'Compression codec (default: the client''s, none)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Produce every record to this partition (default: the sticky partitioner)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Produce every record to this partition (default: the sticky partitioner)')
            [CompletionResult]::new('--reporting-interval', '--reporting-interval', [CompletionResultType]::ParameterName, 'Milliseconds between the periodic report lines')
            [CompletionResult]::new('--transactional-id', '--transactional-id', [CompletionResultType]::ParameterName, 'Produce in transactions with this transactional.id (as Kafka''s perf test)')
            [CompletionResult]::new('--transaction-size', '--transaction-size', [CompletionResultType]::ParameterName, 'Records per transaction [default: 1000 with --transactional-id]')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;bench;consume' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Stop after this many records (default: at the end offsets seen at the start)')
            [CompletionResult]::new('--num-records', '--num-records', [CompletionResultType]::ParameterName, 'Stop after this many records (default: at the end offsets seen at the start)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Partitions to read, comma separated (default: all; not with -G)')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'Partitions to read, comma separated (default: all; not with -G)')
            [CompletionResult]::new('-G', '-G ', [CompletionResultType]::ParameterName, 'Read as a member of this consumer group (subscribe) instead of assigning partitions')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Read as a member of this consumer group (subscribe) instead of assigning partitions')
            [CompletionResult]::new('--group-protocol', '--group-protocol', [CompletionResultType]::ParameterName, 'The group protocol (with -G): classic works with every broker; consumer (KIP-848) needs Kafka 4.0+ or kf and rebalances without stopping the other members [default: classic]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up when no record arrives for this many milliseconds')
            [CompletionResult]::new('--reporting-interval', '--reporting-interval', [CompletionResultType]::ParameterName, 'Milliseconds between the periodic report lines')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kf;bench;help' {
            [CompletionResult]::new('produce', 'produce', [CompletionResultType]::ParameterValue, 'Produce generated records as fast as allowed and report throughput and latency, like Kafka''s kafka-producer-perf-test')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Read a topic as fast as possible and report throughput and fetch latency, like Kafka''s kafka-consumer-perf-test')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kf;bench;help;produce' {
            break
        }
        'kf;bench;help;consume' {
            break
        }
        'kf;bench;help;help' {
            break
        }
        'kf;generate' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'The directory to write `completions/` and `man/` under')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kf;help' {
            [CompletionResult]::new('cluster', 'cluster', [CompletionResultType]::ParameterValue, 'Run and inspect a local Kafka cluster')
            [CompletionResult]::new('topic', 'topic', [CompletionResultType]::ParameterValue, 'Create, list, describe, change and delete topics')
            [CompletionResult]::new('group', 'group', [CompletionResultType]::ParameterValue, 'Inspect consumer groups, reset and delete their offsets')
            [CompletionResult]::new('txn', 'txn', [CompletionResultType]::ParameterValue, 'Inspect transactions and producers, find and abort hanging transactions')
            [CompletionResult]::new('produce', 'produce', [CompletionResultType]::ParameterValue, 'Produce records from stdin or a file')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Print records of one or more topics')
            [CompletionResult]::new('pipe', 'pipe', [CompletionResultType]::ParameterValue, 'Consume, transform and produce exactly once')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'A live dashboard of brokers, topics, partitions, groups and transactions')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Measure produce and consume throughput and latency')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (for packagers and the repository)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kf;help;cluster' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start a local cluster (foreground; Ctrl-C stops it)')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop the running local cluster')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the running local cluster: brokers (up, down, isolated, fenced), controller, partition health')
            [CompletionResult]::new('kill', 'kill', [CompletionResultType]::ParameterValue, 'Crash one broker of the running local cluster (its data stays; `kf cluster start` brings it back)')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start a killed broker again, on its old ports and data')
            [CompletionResult]::new('isolate', 'isolate', [CompletionResultType]::ParameterValue, 'Cut one broker off from the other brokers and the metadata quorum (clients still reach it)')
            [CompletionResult]::new('heal', 'heal', [CompletionResultType]::ParameterValue, 'Restore the links of one broker, or of every broker')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Describe any Kafka cluster: id, brokers, controller, metadata quorum, API versions')
            break
        }
        'kf;help;cluster;up' {
            break
        }
        'kf;help;cluster;down' {
            break
        }
        'kf;help;cluster;status' {
            break
        }
        'kf;help;cluster;kill' {
            break
        }
        'kf;help;cluster;start' {
            break
        }
        'kf;help;cluster;isolate' {
            break
        }
        'kf;help;cluster;heal' {
            break
        }
        'kf;help;cluster;info' {
            break
        }
        'kf;help;topic' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a topic')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List topics with their partition count and replication factor')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe topics: config overrides, partitions, leaders, replicas, ISR')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete topics')
            [CompletionResult]::new('alter-config', 'alter-config', [CompletionResultType]::ParameterValue, 'Change a topic''s config overrides (IncrementalAlterConfigs)')
            [CompletionResult]::new('add-partitions', 'add-partitions', [CompletionResultType]::ParameterValue, 'Add partitions to a topic (existing partitions keep their data)')
            [CompletionResult]::new('reassign', 'reassign', [CompletionResultType]::ParameterValue, 'Move a partition''s replicas to other brokers, list or cancel moves (KIP-455)')
            break
        }
        'kf;help;topic;create' {
            break
        }
        'kf;help;topic;list' {
            break
        }
        'kf;help;topic;describe' {
            break
        }
        'kf;help;topic;delete' {
            break
        }
        'kf;help;topic;alter-config' {
            break
        }
        'kf;help;topic;add-partitions' {
            break
        }
        'kf;help;topic;reassign' {
            break
        }
        'kf;help;group' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List consumer groups on every broker')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe groups: state, assignor, coordinator, members and per-partition offsets and lag')
            [CompletionResult]::new('lag', 'lag', [CompletionResultType]::ParameterValue, 'Show the total and per-partition lag of groups')
            [CompletionResult]::new('reset-offsets', 'reset-offsets', [CompletionResultType]::ParameterValue, 'Move a group''s committed offsets (prints the plan; changes nothing without --execute)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete groups that have no active members, with their committed offsets')
            [CompletionResult]::new('delete-offsets', 'delete-offsets', [CompletionResultType]::ParameterValue, 'Delete a group''s committed offsets of some topics or partitions')
            break
        }
        'kf;help;group;list' {
            break
        }
        'kf;help;group;describe' {
            break
        }
        'kf;help;group;lag' {
            break
        }
        'kf;help;group;reset-offsets' {
            break
        }
        'kf;help;group;delete' {
            break
        }
        'kf;help;group;delete-offsets' {
            break
        }
        'kf;help;txn' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List transactional ids on every broker, with their state and producer id')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe transactional ids: state, producer id and epoch, coordinator, timeout, start time, duration and partitions')
            [CompletionResult]::new('producers', 'producers', [CompletionResultType]::ParameterValue, 'Show a partition''s active producers: epoch, last sequence, open transaction start offset')
            [CompletionResult]::new('find-hanging', 'find-hanging', [CompletionResultType]::ParameterValue, 'Find open transactions older than the maximum transaction timeout that their coordinator does not know of (hanging transactions)')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Abort a hanging transaction in one partition (writes an abort marker at its leader)')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Watch transactions change state live: one line per transition and per marker')
            break
        }
        'kf;help;txn;list' {
            break
        }
        'kf;help;txn;describe' {
            break
        }
        'kf;help;txn;producers' {
            break
        }
        'kf;help;txn;find-hanging' {
            break
        }
        'kf;help;txn;abort' {
            break
        }
        'kf;help;txn;trace' {
            break
        }
        'kf;help;produce' {
            break
        }
        'kf;help;consume' {
            break
        }
        'kf;help;pipe' {
            break
        }
        'kf;help;top' {
            break
        }
        'kf;help;bench' {
            [CompletionResult]::new('produce', 'produce', [CompletionResultType]::ParameterValue, 'Produce generated records as fast as allowed and report throughput and latency, like Kafka''s kafka-producer-perf-test')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Read a topic as fast as possible and report throughput and fetch latency, like Kafka''s kafka-consumer-perf-test')
            break
        }
        'kf;help;bench;produce' {
            break
        }
        'kf;help;bench;consume' {
            break
        }
        'kf;help;generate' {
            break
        }
        'kf;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
