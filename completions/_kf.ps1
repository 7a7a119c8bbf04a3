
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
            [CompletionResult]::new('produce', 'produce', [CompletionResultType]::ParameterValue, 'Produce records from stdin or a file')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Print records of one or more topics')
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
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: $KF_BOOTSTRAP, else --profile, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: $KF_BOOTSTRAP, else --profile, else the running `kf cluster up`)')
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
            [CompletionResult]::new('--isolation', '--isolation', [CompletionResultType]::ParameterName, 'Which records to read: read_uncommitted sees aborted transactions'' records too')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Print each record with this format (see below)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Print each record with this format (see below)')
            [CompletionResult]::new('--key-encoding', '--key-encoding', [CompletionResultType]::ParameterName, 'How keys are printed')
            [CompletionResult]::new('--value-encoding', '--value-encoding', [CompletionResultType]::ParameterName, 'How values are printed')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: $KF_BOOTSTRAP, else --profile, else the running `kf cluster up`)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Bootstrap servers, comma separated (default: $KF_BOOTSTRAP, else --profile, else the running `kf cluster up`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Exit once every partition has been read to its end (as it was when assigned)')
            [CompletionResult]::new('--exit', '--exit', [CompletionResultType]::ParameterName, 'Exit once every partition has been read to its end (as it was when assigned)')
            [CompletionResult]::new('--print-control-records', '--print-control-records', [CompletionResultType]::ParameterName, 'Also print transaction markers (control records)')
            [CompletionResult]::new('-J', '-J ', [CompletionResultType]::ParameterName, 'Print one JSON object per record, with kcat''s field names')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per record, with kcat''s field names')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
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
            [CompletionResult]::new('produce', 'produce', [CompletionResultType]::ParameterValue, 'Produce records from stdin or a file')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Print records of one or more topics')
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
        'kf;help;produce' {
            break
        }
        'kf;help;consume' {
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
