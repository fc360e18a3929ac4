# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_llmmon_global_optspecs
    string join \n config= json v/verbose h/help V/version
end

function __fish_llmmon_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_llmmon_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_llmmon_using_subcommand
    set -l cmd (__fish_llmmon_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c llmmon -n "__fish_llmmon_needs_command" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_needs_command" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_needs_command" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmmon -n "__fish_llmmon_needs_command" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_needs_command" -f -a "status" -d 'One-shot summary of the server: GPUs, containers, models, traffic, problems'
complete -c llmmon -n "__fish_llmmon_needs_command" -f -a "top" -d 'Live terminal UI: GPU grid, containers (GPU / non-GPU), LLM traffic, logs, problems'
complete -c llmmon -n "__fish_llmmon_needs_command" -f -a "logs" -d 'Container logs: live from Docker, history from Loki; follow, filter by text and level'
complete -c llmmon -n "__fish_llmmon_needs_command" -f -a "stack" -d 'Run and look after the monitoring stack (Docker Compose): up, down, status, backup'
complete -c llmmon -n "__fish_llmmon_needs_command" -f -a "announce" -d 'Publish and manage announcements for end users (maintenance, deprecations, status)'
complete -c llmmon -n "__fish_llmmon_needs_command" -f -a "config" -d 'Show the configuration in effect and where it came from'
complete -c llmmon -n "__fish_llmmon_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l scenario -d 'Simulator scenario: normal, high_load, degraded, maintenance' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l fault -d 'Simulator fault to switch on (repeatable): gpu_overheat, container_crash_loop, model_load_failure, upstream_down, error_burst' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l host -d 'Host the exporter roles listen on (each on its default port)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l exporter -d 'Override one role\'s base URL, e.g. `--exporter gpu=http://10.0.0.5:9445` (repeatable)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l demo -d 'Start the exporter roles in-process on a simulated 8-GPU server and read those'
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l interval -d 'Seconds between refreshes' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l prometheus -d 'Prometheus for history (sparklines, 5-minute rates and percentiles); by default the stack\'s on the exporters\' host (port 23001), none with --demo' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l scenario -d 'Simulator scenario: normal, high_load, degraded, maintenance' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l fault -d 'Simulator fault to switch on (repeatable): gpu_overheat, container_crash_loop, model_load_failure, upstream_down, error_burst' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l host -d 'Host the exporter roles listen on (each on its default port)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l exporter -d 'Override one role\'s base URL, e.g. `--exporter gpu=http://10.0.0.5:9445` (repeatable)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l demo -d 'Start the exporter roles in-process on a simulated 8-GPU server and read those'
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up help" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up help" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up help" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up help" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up help" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up help" -f -a "up" -d 'Start the stack'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from help" -f -a "up" -d 'Start the stack'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand announce" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and not __fish_seen_subcommand_from show path help" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and not __fish_seen_subcommand_from show path help" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and not __fish_seen_subcommand_from show path help" -f -a "show" -d 'Print the effective configuration (file, then environment) as TOML'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and not __fish_seen_subcommand_from show path help" -f -a "path" -d 'Print the path of the configuration file llmmon reads'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and not __fish_seen_subcommand_from show path help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and __fish_seen_subcommand_from path" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and __fish_seen_subcommand_from path" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and __fish_seen_subcommand_from path" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the effective configuration (file, then environment) as TOML'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the path of the configuration file llmmon reads'
complete -c llmmon -n "__fish_llmmon_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and not __fish_seen_subcommand_from status top logs stack announce config help" -f -a "status" -d 'One-shot summary of the server: GPUs, containers, models, traffic, problems'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and not __fish_seen_subcommand_from status top logs stack announce config help" -f -a "top" -d 'Live terminal UI: GPU grid, containers (GPU / non-GPU), LLM traffic, logs, problems'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and not __fish_seen_subcommand_from status top logs stack announce config help" -f -a "logs" -d 'Container logs: live from Docker, history from Loki; follow, filter by text and level'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and not __fish_seen_subcommand_from status top logs stack announce config help" -f -a "stack" -d 'Run and look after the monitoring stack (Docker Compose): up, down, status, backup'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and not __fish_seen_subcommand_from status top logs stack announce config help" -f -a "announce" -d 'Publish and manage announcements for end users (maintenance, deprecations, status)'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and not __fish_seen_subcommand_from status top logs stack announce config help" -f -a "config" -d 'Show the configuration in effect and where it came from'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and not __fish_seen_subcommand_from status top logs stack announce config help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from stack" -f -a "up" -d 'Start the stack'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective configuration (file, then environment) as TOML'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the path of the configuration file llmmon reads'
