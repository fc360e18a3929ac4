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
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l scenario -d 'Simulator scenario: normal, high_load, degraded, maintenance' -r -f -a "normal\t''
high_load\t''
degraded\t''
maintenance\t''"
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l fault -d 'Simulator fault to switch on (repeatable): gpu_overheat, container_crash_loop, model_load_failure, upstream_down, error_burst, gpu_xid' -r -f -a "gpu_overheat\t''
container_crash_loop\t''
model_load_failure\t''
upstream_down\t''
error_burst\t''
gpu_xid\t''"
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l host -d 'Host the exporter roles (and the stack) run on, each on its default port [default: `host` in the config, LLMMON_HOST, else 127.0.0.1]' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l exporter -d 'Override one role\'s base URL, e.g. `--exporter gpu=http://10.0.0.5:9445` (repeatable)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l hosts -d 'A fleet: one line per server, the worst first (comma-separated host names, each server\'s exporters on their default ports). With --demo, how many simulated servers' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l fleet -d 'A fleet read from its central store\'s query API (e.g. VictoriaMetrics, or vmauth with `https://user:password@…`): the series under `host` and the firing alerts (vmalert\'s ALERTS); in `top`, `enter` opens a server\'s exporters by its host name' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l fault-host -d 'With --demo --hosts N: put the --fault faults on server N only (1 is the first)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l demo -d 'Start the exporter roles in-process on a simulated 8-GPU server and read those'
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmmon -n "__fish_llmmon_using_subcommand status" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l hosts -d 'A fleet: one line per server, the worst first (comma-separated host names, each server\'s exporters on their default ports). With --demo, how many simulated servers' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l fleet -d 'A fleet read from its central store\'s query API (e.g. VictoriaMetrics, or vmauth with `https://user:password@…`): the series under `host` and the firing alerts (vmalert\'s ALERTS); in `top`, `enter` opens a server\'s exporters by its host name' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l fault-host -d 'With --demo --hosts N: put the --fault faults on server N only (1 is the first)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l interval -d 'Seconds between refreshes' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l prometheus -d 'Prometheus for history (sparklines, 5-minute rates and percentiles); by default the stack\'s on the exporters\' host (port 23001), none with --demo' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l scenario -d 'Simulator scenario: normal, high_load, degraded, maintenance' -r -f -a "normal\t''
high_load\t''
degraded\t''
maintenance\t''"
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l fault -d 'Simulator fault to switch on (repeatable): gpu_overheat, container_crash_loop, model_load_failure, upstream_down, error_burst, gpu_xid' -r -f -a "gpu_overheat\t''
container_crash_loop\t''
model_load_failure\t''
upstream_down\t''
error_burst\t''
gpu_xid\t''"
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l host -d 'Host the exporter roles (and the stack) run on, each on its default port [default: `host` in the config, LLMMON_HOST, else 127.0.0.1]' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l exporter -d 'Override one role\'s base URL, e.g. `--exporter gpu=http://10.0.0.5:9445` (repeatable)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l demo -d 'Start the exporter roles in-process on a simulated 8-GPU server and read those'
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmmon -n "__fish_llmmon_using_subcommand top" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -l since -d 'Lines from this time: RFC 3339 (2024-05-01T12:00:00Z), Unix seconds, or an age (10m, 2h, 3d). What Docker no longer holds comes from Loki' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -l until -d 'Lines up to this time (same forms as --since)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -s n -l tail -d 'Only the last N lines of each container (after --grep and --level)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -l grep -d 'Only lines matching this regular expression' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -l level -d 'Only lines at this level or more severe' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -l loki -d 'Read the history from Loki instead of Docker [default URL: the configured loki]' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -s f -l follow -d 'Keep printing new lines until the containers stop (Loki: until Ctrl-C)'
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -s i -l ignore-case -d '--grep ignores case'
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -s t -l timestamps -d 'Print each line\'s time (RFC 3339) before it'
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand logs" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -l dir -d 'The Compose project directory (docker-compose.yml, .env) [default: config `stack.dir`]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -f -a "up" -d 'Check the host, start the stack, wait until every service is healthy, print the URLs'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -f -a "down" -d 'Stop and remove the stack\'s containers (volumes, hence data, are kept)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -f -a "restart" -d 'Restart one service of the stack'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -f -a "status" -d 'Every service\'s state and health, Prometheus\'s scrape targets and firing alerts'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -f -a "backup" -d 'One archive of the stack\'s data: Grafana, Prometheus snapshot, Loki, Alertmanager, announcements, and .env (secrets blanked unless --include-secrets)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -f -a "restore" -d 'Put a backup back: verify every checksum, stop the affected services, restore their volumes, start them, re-import Grafana\'s dashboards and datasources'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -f -a "install-service" -d 'Install and start the systemd unit that runs the stack at boot'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -f -a "uninstall-service" -d 'Stop, disable and remove the systemd unit'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and not __fish_seen_subcommand_from up down restart status backup restore install-service uninstall-service help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -l backfill -d 'With --mock: fill Prometheus with this much simulated history (e.g. 30d) once the stack is up, so the dashboards are full at the first look. The last 6 h are written at the 30 s scrape interval, the rest at --backfill-step; recording rules too' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -l backfill-step -d 'Step of the backfill older than its last 6 h (30 days at 5m: about 13 GB of OpenMetrics written and turned into blocks a day at a time, 15-20 minutes on 2 cores)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -l profile -d 'Enable a Compose profile, e.g. `dcgm` for NVIDIA\'s dcgm-exporter (repeatable)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -l timeout -d 'Seconds to wait for every service to become healthy' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -l min-free-gib -d 'Free space required on Docker\'s data root, in GiB (30 days of the default fleet)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -l fleet -d 'A server of a fleet: also remote-write every sample to this central store\'s write URL (docker-compose.fleet.yml), labelled with this machine\'s hostname (FLEET_HOST in .env wins). Saved in .env as FLEET_REMOTE_WRITE_URL; preflight checks it answers' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -l dir -d 'The Compose project directory (docker-compose.yml, .env) [default: config `stack.dir`]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -l mock -d 'Run every source on the fleet simulator (docker-compose.mock.yml): no GPU needed'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -l build -d 'Build the exporter image even when it is present (after `git pull`: an existing tag is never rebuilt otherwise)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -l dry-run -d 'Print the commands that would run, and run nothing'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from up" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from down" -l dir -d 'The Compose project directory (docker-compose.yml, .env) [default: config `stack.dir`]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from down" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from down" -l dry-run -d 'Print the command that would run, and stop nothing (it still asks `docker compose ls` which overlay the stack runs with, a read-only query)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from down" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from down" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from down" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from restart" -l dir -d 'The Compose project directory (docker-compose.yml, .env) [default: config `stack.dir`]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from restart" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from restart" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from restart" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from restart" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from status" -l dir -d 'The Compose project directory (docker-compose.yml, .env) [default: config `stack.dir`]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from status" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from status" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from backup" -l output -d 'Directory for the archive [default: config `stack.backup_dir`]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from backup" -l dir -d 'The Compose project directory (docker-compose.yml, .env) [default: config `stack.dir`]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from backup" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from backup" -l include-secrets -d 'Keep the secrets of .env (passwords, keys, tokens, webhook URLs) in the archive'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from backup" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from backup" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from backup" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from backup" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from restore" -l dir -d 'The Compose project directory (docker-compose.yml, .env) [default: config `stack.dir`]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from restore" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from restore" -l yes -d 'Do not ask before replacing the stack\'s data'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from restore" -l mock -d 'Start restored services with the mock overlay [default: the overlay the stack runs with now, else production]'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from restore" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from restore" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from restore" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from install-service" -l profile -d 'Compose profiles to enable at boot, e.g. `dcgm` (repeatable)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from install-service" -l unit-dir -d 'Where systemd units are installed (tests point it elsewhere)' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from install-service" -l dir -d 'The Compose project directory (docker-compose.yml, .env) [default: config `stack.dir`]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from install-service" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from install-service" -l mock -d 'Run the mock overlay at boot instead of production'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from install-service" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from install-service" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from install-service" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from install-service" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from uninstall-service" -l unit-dir -d 'Where systemd units are installed (tests point it elsewhere)' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from uninstall-service" -l dir -d 'The Compose project directory (docker-compose.yml, .env) [default: config `stack.dir`]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from uninstall-service" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from uninstall-service" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from uninstall-service" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from uninstall-service" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from uninstall-service" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from help" -f -a "up" -d 'Check the host, start the stack, wait until every service is healthy, print the URLs'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from help" -f -a "down" -d 'Stop and remove the stack\'s containers (volumes, hence data, are kept)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from help" -f -a "restart" -d 'Restart one service of the stack'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from help" -f -a "status" -d 'Every service\'s state and health, Prometheus\'s scrape targets and firing alerts'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from help" -f -a "backup" -d 'One archive of the stack\'s data: Grafana, Prometheus snapshot, Loki, Alertmanager, announcements, and .env (secrets blanked unless --include-secrets)'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Put a backup back: verify every checksum, stop the affected services, restore their volumes, start them, re-import Grafana\'s dashboards and datasources'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from help" -f -a "install-service" -d 'Install and start the systemd unit that runs the stack at boot'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from help" -f -a "uninstall-service" -d 'Stop, disable and remove the systemd unit'
complete -c llmmon -n "__fish_llmmon_using_subcommand stack; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -l body -d 'Details: plain text or limited Markdown (**bold**, *em*, `code`, lists, links)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -l priority -d 'critical, warning or info' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -l kind -d 'maintenance, deprecation, new_model, endpoint_change, advisory, changelog, migration_guide' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -l starts -d 'When it takes effect: RFC 3339, `2026-12-01 22:00` (UTC), `now` or `+2h`' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -l ends -d 'When it ends (deprecation: the retirement date), same forms as --starts' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -l service -d 'Affected service (repeatable)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -l model -d 'Affected model (repeatable)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -l replacement -d 'The model to use instead (deprecations; shown on the status page)' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -l by -d 'Author shown to users [default: $USER]' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -a "list" -d 'Announcements in force or upcoming (`--all` includes ended ones)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -a "show" -d 'One announcement in full'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -a "expire" -d 'End an announcement now (withdraws it from feeds and dashboards)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -a "status" -d 'Service status: list all, or set one (`announce status litellm degraded`)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and not __fish_seen_subcommand_from list show expire status help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from list" -l priority -r
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from list" -l kind -r
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from list" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from list" -l all
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from list" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from show" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from show" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from expire" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from expire" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from expire" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from expire" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from expire" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from status" -l note -d 'A short explanation shown with the status' -r
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from status" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml]' -r -F
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from status" -l clear -d 'Drop the status set by hand (back to the one derived from Prometheus)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from status" -l json -d 'Print JSON instead of text (commands with a report)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More detail on stderr (-v: what is run and fetched; -vv: debug)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from help" -f -a "list" -d 'Announcements in force or upcoming (`--all` includes ended ones)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from help" -f -a "show" -d 'One announcement in full'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from help" -f -a "expire" -d 'End an announcement now (withdraws it from feeds and dashboards)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from help" -f -a "status" -d 'Service status: list all, or set one (`announce status litellm degraded`)'
complete -c llmmon -n "__fish_llmmon_using_subcommand announce; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from stack" -f -a "up" -d 'Check the host, start the stack, wait until every service is healthy, print the URLs'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from stack" -f -a "down" -d 'Stop and remove the stack\'s containers (volumes, hence data, are kept)'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from stack" -f -a "restart" -d 'Restart one service of the stack'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from stack" -f -a "status" -d 'Every service\'s state and health, Prometheus\'s scrape targets and firing alerts'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from stack" -f -a "backup" -d 'One archive of the stack\'s data: Grafana, Prometheus snapshot, Loki, Alertmanager, announcements, and .env (secrets blanked unless --include-secrets)'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from stack" -f -a "restore" -d 'Put a backup back: verify every checksum, stop the affected services, restore their volumes, start them, re-import Grafana\'s dashboards and datasources'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from stack" -f -a "install-service" -d 'Install and start the systemd unit that runs the stack at boot'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from stack" -f -a "uninstall-service" -d 'Stop, disable and remove the systemd unit'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from announce" -f -a "list" -d 'Announcements in force or upcoming (`--all` includes ended ones)'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from announce" -f -a "show" -d 'One announcement in full'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from announce" -f -a "expire" -d 'End an announcement now (withdraws it from feeds and dashboards)'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from announce" -f -a "status" -d 'Service status: list all, or set one (`announce status litellm degraded`)'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective configuration (file, then environment) as TOML'
complete -c llmmon -n "__fish_llmmon_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the path of the configuration file llmmon reads'
