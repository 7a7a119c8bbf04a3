
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
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the running local cluster: brokers, addresses, controller')
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
        'kf;cluster;help' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start a local cluster (foreground; Ctrl-C stops it)')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop the running local cluster')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the running local cluster: brokers, addresses, controller')
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
        'kf;cluster;help;help' {
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
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: $KF_BOOTSTRAP, else --profile, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: $KF_BOOTSTRAP, else --profile, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kf;bench;consume' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Stop after this many records (default: at the end offsets seen at the start)')
            [CompletionResult]::new('--num-records', '--num-records', [CompletionResultType]::ParameterName, 'Stop after this many records (default: at the end offsets seen at the start)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Partitions to read, comma separated (default: all)')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'Partitions to read, comma separated (default: all)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up when no record arrives for this many milliseconds')
            [CompletionResult]::new('--reporting-interval', '--reporting-interval', [CompletionResultType]::ParameterName, 'Milliseconds between the periodic report lines')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: $KF_BOOTSTRAP, else --profile, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: $KF_BOOTSTRAP, else --profile, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
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
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Measure produce and consume throughput and latency')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (for packagers and the repository)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kf;help;cluster' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start a local cluster (foreground; Ctrl-C stops it)')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop the running local cluster')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the running local cluster: brokers, addresses, controller')
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
