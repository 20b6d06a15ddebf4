"""The five dashboards, built with grafana-foundation-sdk's dashboard builder from the panel
presets in `panels`: what each shows, its variables (data source; job and instance; account;
skill and agent group shown by name, filtered by id) and its links."""

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import common, dashboard as dm

from .panels import (
    DS,
    color,
    gauge,
    heatmap,
    link_to,
    mapping,
    piechart,
    problem_count,
    q,
    row,
    stat,
    state_timeline,
    steps,
    table,
    threshold_line,
    timeseries,
)

# The schemaVersion of @grafana/schema's default dashboard (scripts/node-tools), which the tests
# validate against.
SCHEMA_VERSION = 42
TAG = "liveperson"

J = 'job=~"$job", instance=~"$instance"'
A = J + ', account_id=~"$account_id"'
AS = A + ', skill_id=~"$skill"'
AG = A + ', agent_group_id=~"$agent_group"'

OVERVIEW, QUEUES, AGENTS, HANDLE_TIME, EXPORTER = (
    "liveperson-overview",
    "liveperson-queues",
    "liveperson-agents",
    "liveperson-handle-time",
    "liveperson-exporter",
)


def overview():
    return [
        row("Right now"),
        stat(
            "Waiting for an agent",
            "Open conversations not yet assigned to an agent, over the selected accounts "
            "(Key Messaging Metrics, account level).",
            [q(f'sum(liveperson_account_unassigned_conversations{{{A}}})', "waiting")],
            "short",
            links=link_to(QUEUES, "Queues and skills"),
        ),
        stat(
            "Queue wait p90",
            "90th percentile of how long the conversations now in queue have waited, for the "
            "worst selected account. Red from 5 minutes, the default alert threshold.",
            [q(f'max(liveperson_account_queue_wait_seconds{{{A}, percentile="90"}})', "p90")],
            "s",
            thresholds=steps("green", (120, "yellow"), (300, "red")),
            links=link_to(QUEUES, "Queues and skills"),
        ),
        stat(
            "Agents by status",
            "Logged-in agents by status (online, away, back soon), bots included.",
            [q(f"sum by (status) (liveperson_account_agents{{{A}}})", "{{status}}")],
            "short",
            w=6,
            color={"mode": "palette-classic"},
            links=link_to(AGENTS, "Agents"),
        ),
        gauge(
            "Agent load",
            "Busy conversation slots over the slots of logged-in agents, per account. Yellow "
            "from 75 %, red from 90 %, the default alert threshold.",
            [q(f"liveperson_account_agent_load_ratio{{{A}}}", "{{account_id}}")],
            "percentunit",
            min=0,
            max=1,
            thresholds=steps("green", (0.75, "yellow"), (0.9, "red")),
        ),
        stat(
            "Overdue conversations",
            "Conversations waiting for an agent reply past the response SLA, in queue or "
            "assigned.",
            [q(f"sum(liveperson_account_overdue_conversations{{{A}}})", "overdue")],
            "short",
            w=3,
            thresholds=steps("green", (1, "yellow"), (5, "red")),
        ),
        stat(
            "Resolved, last hour",
            "Messaging conversations resolved in the trailing hour, every resolver "
            "(messaging conversation API, 5-minute buckets).",
            [
                q(
                    f"sum(increase(liveperson_account_resolved_conversations_total{{{A}}}[1h]))",
                    "resolved",
                )
            ],
            "short",
            w=3,
            decimals=0,
        ),
        row("Trends"),
        timeseries(
            "Waiting for an agent by skill",
            "Unassigned open conversations per selected skill, stacked.",
            [
                q(
                    f'sum by (skill_id) (liveperson_skill_unassigned_conversations{{{AS}}})',
                    "skill {{skill_id}}",
                )
            ],
            "short",
            stack=True,
        ),
        timeseries(
            "Queue wait p90 by skill",
            "90th percentile of the current wait of queued conversations per skill; the dashed "
            "line is the alert threshold from the loaded rules.",
            [
                q(
                    f'max by (skill_id) (liveperson_skill_queue_wait_seconds{{{AS}, percentile="90"}})',
                    "skill {{skill_id}}",
                ),
                threshold_line("liveperson:threshold:queue_wait_p90_seconds"),
            ],
            "s",
        ),
        timeseries(
            "Agents by status",
            "Logged-in agents by status over time, stacked.",
            [q(f"sum by (status) (liveperson_account_agents{{{A}}})", "{{status}}")],
            "short",
            stack=True,
        ),
        timeseries(
            "Resolved per hour by resolver",
            "Conversations resolved in the trailing hour by who resolved them (agent, "
            "consumer, system).",
            [
                q(
                    f"sum by (resolved_by) (increase(liveperson_account_resolved_conversations_total{{{A}}}[1h]))",
                    "{{resolved_by}}",
                )
            ],
            "short",
            stack=True,
        ),
        row("Exporter"),
        stat(
            "Collectors",
            "Collector runs that last succeeded, over all collectors and selected accounts. "
            "Red when any failed.",
            [
                q(
                    f"min(liveperson_exporter_collector_up{{{A}}})",
                    "collectors",
                )
            ],
            None,
            w=6,
            graph=False,
            mappings=mapping({1: ("all up", "green"), 0: ("failing", "red")}),
            links=link_to(EXPORTER, "Exporter health"),
        ),
        stat(
            "Oldest data",
            "Age of the oldest collector's last success. Red after 30 minutes, the default "
            "stale-data alert threshold.",
            [
                q(
                    f"max(time() - liveperson_exporter_collector_last_success_timestamp_seconds{{{A}}})",
                    "age",
                )
            ],
            "s",
            w=6,
            thresholds=steps("green", (300, "yellow"), (1800, "red")),
            links=link_to(EXPORTER, "Exporter health"),
        ),
        stat(
            "429 answers, last 15 minutes",
            "Rate-limited answers from LivePerson over every API.",
            [q(f"sum(increase(liveperson_exporter_api_rate_limited_total{{{A}}}[15m]))", "429")],
            "short",
            w=6,
            decimals=0,
            thresholds=steps("green", (1, "yellow"), (10, "red")),
        ),
        stat(
            "API requests per second",
            "Requests to LivePerson over every API and status code.",
            [q(f"sum(rate(liveperson_exporter_api_requests_total{{{A}}}[$__rate_interval]))", "requests")],
            "reqps",
            w=6,
        ),
    ]


def queues():
    skill_key = ["account_id", "skill_id", "name"]
    return [
        row("Skills right now"),
        table(
            "Skills",
            "One row per selected skill: queue, wait, overdue, load and online agents now. Name "
            "comes from Key Messaging Metrics (empty for skills it has no name for).",
            [
                (None, f"max by (account_id, skill_id, name) (liveperson_skill_info{{{AS}}})", None),
                (
                    "Waiting",
                    f'sum by (account_id, skill_id) (liveperson_skill_unassigned_conversations{{{AS}}})',
                    "short",
                ),
                (
                    "Actionable",
                    f'sum by (account_id, skill_id) (liveperson_skill_queue_health_actionable_conversations{{{AS}}})',
                    "short",
                ),
                (
                    "Wait p90",
                    f'max by (account_id, skill_id) (liveperson_skill_queue_wait_seconds{{{AS}, percentile="90"}})',
                    "s",
                ),
                (
                    "Overdue",
                    f"sum by (account_id, skill_id) (liveperson_skill_overdue_conversations{{{AS}}})",
                    "short",
                ),
                (
                    "Load",
                    f"max by (account_id, skill_id) (liveperson_skill_agent_load_ratio{{{AS}}})",
                    "percentunit",
                ),
                (
                    "Online agents",
                    f'sum by (account_id, skill_id) (liveperson_skill_agents{{{AS}, status="online"}})',
                    "short",
                ),
            ],
            skill_key,
        ),
        row("Queue"),
        timeseries(
            "Unassigned and actionable by skill",
            "Unassigned conversations in queue (all) and those an agent can act on now "
            "(actionable), per skill (messaging queue health).",
            [
                q(
                    f"sum by (skill_id) (liveperson_skill_queue_health_unassigned_conversations{{{AS}}})",
                    "skill {{skill_id}} unassigned",
                ),
                q(
                    f"sum by (skill_id) (liveperson_skill_queue_health_actionable_conversations{{{AS}}})",
                    "skill {{skill_id}} actionable",
                ),
            ],
            "short",
        ),
        timeseries(
            "Wait for assignment: avg, p50, p90, max",
            "Wait for assignment of unassigned conversations opened in the last 24 hours (messaging queue health); the "
            "highest value among the selected skills (pick one skill to see its own).",
            [
                q(
                    f"max(liveperson_skill_queue_health_avg_wait_for_assignment_new_seconds{{{AS}}})",
                    "avg (new)",
                ),
                q(
                    f"max by (percentile) (liveperson_skill_queue_health_wait_for_assignment_seconds{{{AS}}})",
                    "p{{percentile}}",
                ),
                q(
                    f"max(liveperson_skill_queue_health_max_wait_for_assignment_seconds{{{AS}}})",
                    "max",
                ),
            ],
            "s",
        ),
        timeseries(
            "Queue wait p90 by skill",
            "90th percentile of the current wait of queued conversations per skill (Key "
            "Messaging Metrics); the dashed line is the alert threshold.",
            [
                q(
                    f'max by (skill_id) (liveperson_skill_queue_wait_seconds{{{AS}, percentile="90"}})',
                    "skill {{skill_id}}",
                ),
                threshold_line("liveperson:threshold:queue_wait_p90_seconds"),
            ],
            "s",
        ),
        timeseries(
            "Average wait for an agent response by skill",
            "Average consumer wait for an agent response over the collector's trailing window.",
            [
                q(
                    f"max by (skill_id) (liveperson_skill_avg_wait_time_seconds{{{AS}}})",
                    "skill {{skill_id}}",
                )
            ],
            "s",
        ),
        row("Load and agents"),
        timeseries(
            "Agent load by skill",
            "Busy slots over the slots of the skill's logged-in agents; the dashed line is the "
            "alert threshold.",
            [
                q(
                    f"max by (skill_id) (liveperson_skill_agent_load_ratio{{{AS}}})",
                    "skill {{skill_id}}",
                ),
                threshold_line("liveperson:threshold:agent_load_ratio"),
            ],
            "percentunit",
            w=8,
        ),
        timeseries(
            "Online agents by skill",
            "Agents online per skill. An agent with several skills counts in each.",
            [
                q(
                    f'sum by (skill_id) (liveperson_skill_agents{{{AS}, status="online"}})',
                    "skill {{skill_id}}",
                )
            ],
            "short",
            w=8,
        ),
        timeseries(
            "Free slots by skill",
            "Free conversation slots of the skill's online agents.",
            [
                q(
                    f"sum by (skill_id) (liveperson_skill_available_slots{{{AS}}})",
                    "skill {{skill_id}}",
                )
            ],
            "short",
            w=8,
        ),
        row("Overdue and closed"),
        timeseries(
            "Overdue by skill",
            "Conversations past the response SLA per skill, in queue or assigned; the dashed "
            "line is the alert threshold.",
            [
                q(
                    f"sum by (skill_id, state) (liveperson_skill_overdue_conversations{{{AS}}})",
                    "skill {{skill_id}} {{state}}",
                ),
                threshold_line("liveperson:threshold:overdue_conversations"),
            ],
            "short",
            w=8,
        ),
        timeseries(
            "Closed per hour by closer",
            "Conversations closed in the trailing hour over the selected skills, by who closed "
            "them.",
            [
                q(
                    f"sum by (closed_by) (increase(liveperson_skill_closed_conversations_total{{{AS}}}[1h]))",
                    "{{closed_by}}",
                )
            ],
            "short",
            w=8,
            stack=True,
        ),
        timeseries(
            "Resolved per hour by skill",
            "Messaging conversations resolved in the trailing hour per skill.",
            [
                q(
                    f"sum by (skill_id) (increase(liveperson_skill_resolved_conversations_total{{{AS}}}[1h]))",
                    "skill {{skill_id}}",
                )
            ],
            "short",
            w=8,
        ),
    ]


def activity(metric, window, by="", filt="", per="rate"):
    """`sum by (by) (per(...[window]))` over the per-agent and the per-agent-group agent-activity
    families together: each account exposes one of them (its collector's `by` setting), and the
    union keeps every account whichever it uses."""
    sel = f"{{{A}{filt}}}"
    both = " or ".join(
        f"{per}(liveperson_{level}_activity_{metric}{sel}[{window}])"
        for level in ("agent", "agent_group")
    )
    return f"sum by ({by}) ({both})"


AGENT_STATUS = {
    0: ("offline", "text"),
    1: ("online", "green"),
    2: ("back soon", "yellow"),
    3: ("away", "orange"),
}


def agents():
    status_code = (
        f'max by (agent_id) (1 * liveperson_agent_status{{{A}, status="online"}}'
        f' + on(account_id, agent_id) 2 * liveperson_agent_status{{{A}, status="back_soon"}}'
        f' + on(account_id, agent_id) 3 * liveperson_agent_status{{{A}, status="away"}})'
    )
    return [
        row("Right now"),
        stat(
            "Agents by status",
            "Logged-in agents by status, bots included (Key Messaging Metrics).",
            [q(f"sum by (status) (liveperson_account_agents{{{A}}})", "{{status}}")],
            "short",
            w=8,
            color={"mode": "palette-classic"},
        ),
        *[
            stat(
                f"{what}, last hour",
                f"Agent {what.lower()} in the trailing hour (agent activity).",
                [q(activity(metric, "1h", per="increase"), what.lower())],
                "short",
                w=4,
                decimals=0,
            )
            for what, metric in [
                ("Logins", "logins_total"),
                ("Logouts", "logouts_total"),
                ("Status changes", "status_changes_total"),
            ]
        ],
        stat(
            "Agent activity lag",
            "Agent activity is replayed up to a settle horizon; this is how far behind now it is.",
            [q(f"time() - max(liveperson_agent_activity_counted_until_timestamp_seconds{{{A}}})", "lag")],
            "s",
            w=4,
            graph=False,
        ),
        row("Time in status"),
        timeseries(
            "Agents by status (time in status)",
            "Seconds spent in each status per second: the average number of agents in that status "
            "(online, back_soon, away), from replayed status changes.",
            [q(activity("status_seconds_total", "$__rate_interval", "status"), "{{status}}")],
            "short",
            w=16,
            stack=True,
        ),
        piechart(
            "Share of time in status",
            "Time in each status over the dashboard's time range.",
            [q(activity("status_seconds_total", "$__range", "status", per="increase"), "{{status}}", instant=True)],
            "s",
        ),
        timeseries(
            "Away by reason",
            "Average number of agents away, by away reason id (as configured in LivePerson).",
            [
                q(
                    activity("status_seconds_total", "$__rate_interval", "status_reason_id", ', status="away"'),
                    "reason {{status_reason_id}}",
                )
            ],
            "short",
            stack=True,
        ),
        timeseries(
            "Logins and logouts per hour",
            "Logins and logouts in the trailing hour.",
            [
                q(activity("logins_total", "1h", per="increase"), "logins"),
                q(activity("logouts_total", "1h", per="increase"), "logouts"),
            ],
            "short",
        ),
        row("Agent groups"),
        timeseries(
            "Load by agent group",
            "Busy slots over the slots of each selected agent group's logged-in agents (Key "
            "Messaging Metrics); pick groups by name in the agent group variable.",
            [
                q(
                    f"max by (agent_group_id) (liveperson_agent_group_agent_load_ratio{{{AG}}})",
                    "group {{agent_group_id}}",
                )
            ],
            "percentunit",
        ),
        timeseries(
            "Online agents by agent group",
            "Online agents of each selected agent group (Key Messaging Metrics).",
            [
                q(
                    f'sum by (agent_group_id) (liveperson_agent_group_agents{{{AG}, status="online"}})',
                    "group {{agent_group_id}}",
                )
            ],
            "short",
            stack=True,
        ),
        row("Per agent (needs key_messaging_metrics.agent_view)"),
        state_timeline(
            "Agent status",
            "Each agent's status over time from agent_view (off by default: set agent_view: true "
            "on key_messaging_metrics).",
            [q(status_code, "{{agent_id}}")],
            AGENT_STATUS,
            h=14,
        ),
        table(
            "Agents right now",
            "Status, time in it, load and assigned conversations per agent (agent_view); names and logins "
            "only with agent_activity.agent_info (personal data, off by default).",
            [
                (None, f"max by (account_id, agent_id, name, login) (liveperson_agent_info{{{A}}})", None),
                (None, f"max by (account_id, agent_id, status) (liveperson_agent_status{{{A}}} == 1)", None),
                (
                    "In status",
                    f"time() - max by (account_id, agent_id) (liveperson_agent_status_start_timestamp_seconds{{{A}}})",
                    "s",
                ),
                ("Load", f"max by (account_id, agent_id) (liveperson_agent_load_ratio{{{A}}})", "percentunit"),
                (
                    "Assigned",
                    f"sum by (account_id, agent_id) (liveperson_agent_assigned_conversations{{{A}}})",
                    "short",
                ),
            ],
            ["account_id", "agent_id", "name", "login", "status"],
            h=12,
        ),
    ]


def handle_time():
    def aht(by, window):
        return (
            f"sum by ({by}) (increase(liveperson_skill_wfm_handle_time_seconds_total{{{AS}}}[{window}]))"
            f" / sum by ({by}) (increase(liveperson_skill_wfm_handled_conversations_total{{{AS}}}[{window}]))"
        )

    bucket = f"liveperson_skill_aht_segment_handle_time_seconds_bucket{{{AS}}}"

    def quantile(p):
        return q(f"histogram_quantile({p}, sum by (le) (rate({bucket}[1h])))", f"p{round(p * 100)}")

    return [
        row("Interval metrics (finished 15-minute intervals)"),
        timeseries(
            "Average handle time: IFT vs EHT",
            "Handle time over handled conversations in the trailing hour, by handle-time model: "
            "IFT (interaction-focused time) and EHT (estimated handle time), side by side.",
            [q(aht("handle_time_model", "1h"), "{{handle_time_model}}")],
            "s",
        ),
        table(
            "Handle time by skill over the range",
            "Average handle time and handled conversations per skill over the dashboard's time "
            "range, IFT and EHT side by side.",
            [
                ("AHT (IFT)", aht("account_id, skill_id", "$__range").replace("}[", ', handle_time_model="ift"}['), "s"),
                ("AHT (EHT)", aht("account_id, skill_id", "$__range").replace("}[", ', handle_time_model="eht"}['), "s"),
                (
                    "Handled (IFT)",
                    f'sum by (account_id, skill_id) (increase(liveperson_skill_wfm_handled_conversations_total{{{AS}, handle_time_model="ift"}}[$__range]))',
                    "short",
                ),
                (
                    "Handled (EHT)",
                    f'sum by (account_id, skill_id) (increase(liveperson_skill_wfm_handled_conversations_total{{{AS}, handle_time_model="eht"}}[$__range]))',
                    "short",
                ),
            ],
            ["account_id", "skill_id"],
            w=12,
            h=8,
        ),
        timeseries(
            "Handled and replied per hour",
            "Conversations handled (by model) and replied to by an agent in the trailing hour.",
            [
                q(
                    f"sum by (handle_time_model) (increase(liveperson_skill_wfm_handled_conversations_total{{{AS}}}[1h]))",
                    "handled ({{handle_time_model}})",
                ),
                q(f"sum(increase(liveperson_skill_wfm_replied_conversations_total{{{AS}}}[1h]))", "replied"),
            ],
            "short",
        ),
        timeseries(
            "Arrivals and closed per hour",
            "Conversations entering the queue and conversations closed in the trailing hour.",
            [
                q(f"sum(increase(liveperson_skill_wfm_arrivals_total{{{AS}}}[1h]))", "arrivals"),
                q(f"sum(increase(liveperson_skill_wfm_closed_conversations_total{{{AS}}}[1h]))", "closed"),
            ],
            "short",
        ),
        row("Actual handle time (closed agent segments)"),
        heatmap(
            "AHT distribution",
            "Closed agent segments by actual handle time bucket over time.",
            q(f"sum by (le) (increase({bucket}[$__rate_interval]))", "{{le}}", heatmap=True),
        ),
        timeseries(
            "AHT quantiles (trailing hour)",
            "Median, 90th and 99th percentile and mean of the actual handle time of agent "
            "segments closed in the trailing hour, estimated from the histogram buckets.",
            [
                quantile(0.5),
                quantile(0.9),
                quantile(0.99),
                q(
                    f"sum(rate(liveperson_skill_aht_segment_handle_time_seconds_sum{{{AS}}}[1h]))"
                    f" / sum(rate(liveperson_skill_aht_segment_handle_time_seconds_count{{{AS}}}[1h]))",
                    "mean",
                ),
            ],
            "s",
        ),
        timeseries(
            "Segments closed per hour by end reason",
            "Agent segments closed in the trailing hour, by how they ended.",
            [
                q(
                    f"sum by (end_reason) (increase(liveperson_skill_aht_segments_total{{{AS}}}[1h]))",
                    "{{end_reason}}",
                )
            ],
            "short",
            w=24,
            stack=True,
        ),
        row("Net handle time (latest complete NHT interval)"),
        timeseries(
            "NHT by skill",
            "Net handle time, the estimated human effort per agent segment, of each skill's "
            "latest complete NHT interval with data.",
            [
                q(
                    f"max by (skill_id) (liveperson_skill_nht_net_handle_time_seconds{{{AS}}})",
                    "skill {{skill_id}}",
                )
            ],
            "s",
        ),
        table(
            "NHT inputs by skill",
            "The figures behind each skill's NHT in its latest complete interval.",
            [
                ("NHT", f"max by (account_id, skill_id) (liveperson_skill_nht_net_handle_time_seconds{{{AS}}})", "s"),
                (
                    "Avg segment",
                    f"max by (account_id, skill_id) (liveperson_skill_nht_avg_agent_segment_duration_seconds{{{AS}}})",
                    "s",
                ),
                (
                    "Avg in queue",
                    f"max by (account_id, skill_id) (liveperson_skill_nht_avg_time_in_queue_seconds{{{AS}}})",
                    "s",
                ),
                ("Arrivals", f"max by (account_id, skill_id) (liveperson_skill_nht_arrivals{{{AS}}})", "short"),
                (
                    "Handled segments",
                    f"max by (account_id, skill_id) (liveperson_skill_nht_handled_segments{{{AS}}})",
                    "short",
                ),
                (
                    "Available load",
                    f"max by (account_id, skill_id) (liveperson_skill_nht_avg_available_load_ratio{{{AS}}})",
                    "percentunit",
                ),
            ],
            ["account_id", "skill_id"],
            w=12,
            h=8,
        ),
    ]


def exporter():
    up = f"liveperson_exporter_collector_up{{{A}}}"
    return [
        row("Collectors"),
        problem_count(
            "Collectors failing",
            "Collector and account pairs whose last run failed.",
            f"count({up} == 0)",
            f"count({up})",
        ),
        stat(
            "Oldest data",
            "Age of the oldest collector's last success; red after 30 minutes, the default "
            "stale-data alert threshold.",
            [q(f"max(time() - liveperson_exporter_collector_last_success_timestamp_seconds{{{A}}})", "age")],
            "s",
            thresholds=steps("green", (300, "yellow"), (1800, "red")),
        ),
        stat(
            "Series exposed",
            "Series every collector exposes together.",
            [q(f"sum(liveperson_exporter_collector_series{{{A}}})", "series")],
            "short",
        ),
        stat(
            "Exporter version",
            "The running exporter's version.",
            [q(f"liveperson_exporter_build_info{{{J}}}", "{{version}}")],
            None,
            graph=False,
            options={"textMode": "name"},
        ),
        stat(
            "Last OTLP push",
            "Time since the last successful OTLP export (only when OTLP push is enabled).",
            [q(f"time() - max(liveperson_exporter_otlp_last_success_timestamp_seconds{{{J}}})", "age")],
            "s",
            graph=False,
        ),
        problem_count(
            "Series over the OTLP limit",
            "Series beyond otlp.cardinality_limit at the last OTLP collection, merged into an "
            "overflow point; 0 when OTLP push is on and nothing overflows.",
            f"sum(liveperson_exporter_otlp_series_over_limit{{{J}}})",
            f"sum(liveperson_exporter_otlp_exports_total{{{J}}})",
        ),
        state_timeline(
            "Collector up",
            "Whether each collector's last run per account succeeded.",
            [q(up, "{{collector}} ({{account_id}})")],
            {1: ("up", "green"), 0: ("failing", "red")},
            h=8,
        ),
        timeseries(
            "Last run duration",
            "How long each collector's last run took, per account.",
            [
                q(
                    f"liveperson_exporter_collector_last_run_duration_seconds{{{A}}}",
                    "{{collector}} ({{account_id}})",
                )
            ],
            "s",
        ),
        timeseries(
            "Last success age",
            "Time since each collector's last successful run; the dashed line is the stale-data "
            "alert threshold.",
            [
                q(
                    f"time() - liveperson_exporter_collector_last_success_timestamp_seconds{{{A}}}",
                    "{{collector}} ({{account_id}})",
                ),
                threshold_line("liveperson:threshold:stale_after_seconds"),
            ],
            "s",
        ),
        timeseries(
            "Failed runs by error type",
            "Failed collector runs per interval, by error type, over every collector.",
            [
                q(
                    f"sum by (error_type) (increase(liveperson_exporter_collector_errors_total{{{A}}}[$__rate_interval]))",
                    "{{error_type}}",
                )
            ],
            "short",
            w=8,
        ),
        timeseries(
            "Skipped runs",
            "Scheduled runs skipped because the previous run had not finished.",
            [
                q(
                    f"sum by (collector) (increase(liveperson_exporter_collector_skipped_runs_total{{{A}}}[$__rate_interval]))",
                    "{{collector}}",
                )
            ],
            "short",
            w=8,
        ),
        timeseries(
            "Series by collector",
            "Series each collector exposes.",
            [q(f"sum by (collector) (liveperson_exporter_collector_series{{{A}}})", "{{collector}}")],
            "short",
            w=8,
        ),
        row("Shards"),
        stat(
            "Replicas",
            "Exporter replicas reporting; with sharding each polls its share of the accounts.",
            [q(f"count(liveperson_exporter_shard_info{{{J}}})", "replicas")],
            "short",
            graph=False,
        ),
        stat(
            "Accounts polled",
            "Accounts some replica polls, among the selected ones.",
            [q(f"count(count by (account_id) (liveperson_exporter_shard_account_info{{{A}}}))", "accounts")],
            "short",
            graph=False,
        ),
        problem_count(
            "Accounts polled twice",
            "Accounts more than one replica polls (replicas disagreeing on shard.count or sharing a "
            "shard.index); the LivePersonAccountPolledTwice alert fires on it.",
            f"count(count by (account_id) (liveperson_exporter_shard_account_info{{{A}}}) > 1)",
            f"count(liveperson_exporter_shard_account_info{{{A}}})",
        ),
        table(
            "Shards",
            "Each replica's shard (index of count) and the number of accounts it polls.",
            [
                (None, f"max by (instance, index, count) (liveperson_exporter_shard_info{{{J}}})", None),
                ("Accounts", "count by (instance) (liveperson_exporter_shard_account_info)", "short"),
            ],
            ["instance", "index", "count"],
            w=12,
            h=5,
        ),
        row("LivePerson API"),
        timeseries(
            "Requests by API and code",
            "Requests to LivePerson per second by API and HTTP status (error: no response).",
            [
                q(
                    f"sum by (api, code) (rate(liveperson_exporter_api_requests_total{{{A}}}[$__rate_interval]))",
                    "{{api}} {{code}}",
                )
            ],
            "reqps",
            w=24,
        ),
        timeseries(
            "429 answers per 15 minutes",
            "Rate-limited answers by API in the trailing 15 minutes; the dashed line is the "
            "rate-limiting alert threshold.",
            [
                q(
                    f"sum by (api) (increase(liveperson_exporter_api_rate_limited_total{{{A}}}[15m]))",
                    "{{api}}",
                ),
                threshold_line("liveperson:threshold:rate_limited_per_15m"),
            ],
            "short",
            w=8,
        ),
        timeseries(
            "Retries",
            "Requests retried after a 429, 5xx, timeout or broken connection, by API.",
            [
                q(
                    f"sum by (api) (increase(liveperson_exporter_api_retries_total{{{A}}}[$__rate_interval]))",
                    "{{api}}",
                )
            ],
            "short",
            w=8,
        ),
        timeseries(
            "CSDS lookups",
            "Domain lookups by service and the failed ones, in the trailing hour.",
            [
                q(
                    f"sum by (service) (increase(liveperson_exporter_csds_lookups_total{{{A}}}[1h]))",
                    "{{service}}",
                ),
                q(
                    f"sum by (service) (increase(liveperson_exporter_csds_failures_total{{{A}}}[1h]))",
                    "{{service}} failed",
                ),
            ],
            "short",
            w=8,
        ),
        timeseries(
            "Counter lag",
            "How far behind now each bucketed counter family has counted (settle delays and "
            "source latency).",
            [
                q(
                    f"time() - max(liveperson_messaging_conversation_counted_until_timestamp_seconds{{{A}}})",
                    "messaging conversation",
                ),
                q(
                    f"time() - max(liveperson_engagement_activity_counted_until_timestamp_seconds{{{A}}})",
                    "engagement activity",
                ),
                q(
                    f"time() - max(liveperson_wfm_counted_until_timestamp_seconds{{{A}}})",
                    "interval metrics",
                ),
                q(
                    f"time() - max(liveperson_agent_activity_counted_until_timestamp_seconds{{{A}}})",
                    "agent activity",
                ),
            ],
            "s",
            w=24,
        ),
        row("Serving"),
        timeseries(
            "Requests served",
            "Requests the exporter's HTTP server answered per interval, by handler and status code; "
            "401 is a wrong password, 429 the web config's rate_limit, 503 more scrapes at once "
            "than web.max_requests.",
            [
                q(
                    f"sum by (handler, code) (increase(liveperson_exporter_http_requests_total{{{J}}}[$__rate_interval]))",
                    "{{handler}} {{code}}",
                )
            ],
            "short",
            w=8,
        ),
        timeseries(
            "Connections dropped",
            "Connections the server closed per interval, by reason: header_timeout and "
            "idle_timeout are slow or idle clients, evicted and refused mean web.max_connections "
            "was reached, tls_error failed handshakes.",
            [
                q(
                    f"sum by (reason) (increase(liveperson_exporter_http_connections_dropped_total{{{J}}}[$__rate_interval]))",
                    "{{reason}}",
                )
            ],
            "short",
            w=8,
        ),
        timeseries(
            "Open connections",
            "Connections open to each exporter's HTTP server (bounded by web.max_connections).",
            [q(f"liveperson_exporter_http_connections_open{{{J}}}", "{{instance}}")],
            "short",
            w=8,
        ),
        row("OTLP push"),
        timeseries(
            "OTLP exports by result",
            "OTLP exports per interval, successful and failed (only when OTLP push is enabled).",
            [
                q(
                    f"sum by (result) (increase(liveperson_exporter_otlp_exports_total{{{J}}}[$__rate_interval]))",
                    "{{result}}",
                )
            ],
            "short",
            w=24,
        ),
    ]


DASHBOARD_SPECS = [
    (
        OVERVIEW,
        "LivePerson / Contact center overview",
        "What a contact-center manager watches: who waits, how long, agents and their load, "
        "resolutions, and whether the exporter is healthy.",
        overview,
    ),
    (
        QUEUES,
        "LivePerson / Queues and skills",
        "Per skill: queue, actionable conversations, wait times, load, online agents, overdue "
        "conversations and closed conversations by closer.",
        queues,
    ),
    (
        AGENTS,
        "LivePerson / Agents",
        "Agent statuses over time (time in status, away reasons), logins, and each agent's current "
        "status when agent_view is on.",
        agents,
    ),
    (
        HANDLE_TIME,
        "LivePerson / Handle time and WFM",
        "Workforce-management figures: interval metrics with IFT and EHT side by side, handled "
        "and replied conversations, the actual-handle-time histogram, and net handle time.",
        handle_time,
    ),
    (
        EXPORTER,
        "LivePerson / Exporter health",
        "The exporter itself: collectors, run durations, data age, shards, LivePerson requests, "
        "429s, retries, series counts, the HTTP server's requests and connections, and OTLP exports.",
        exporter,
    ),
]




def query_variable(name, label, query, description, regex=""):
    """A multi-value variable from a Prometheus query, with "All" (any value)."""
    return (
        db.QueryVariable(name)
        .label(label)
        .description(description)
        .datasource(DS)
        .query(
            {
                # 1: label values; 3: a query's result, read with `regex`.
                "qryType": 3 if query.startswith("query_result(") else 1,
                "query": query,
                "refId": "PrometheusVariableQueryEditor-VariableQuery",
            }
        )
        .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .include_all(True)
        .all_value(".*")
        .multi(True)
        .sort(dm.VariableSort.ALPHABETICAL_CASE_INSENSITIVE_ASC)
        .regex(regex)
        .current(dm.VariableOption(text=["All"], value=["$__all"]))
    )


def variables():
    return [
        db.DatasourceVariable("datasource")
        .label("Data source")
        .description("The Prometheus that scrapes liveperson-exporter.")
        .type("prometheus"),
        query_variable(
            "job",
            "Job",
            "label_values(liveperson_exporter_build_info, job)",
            "Prometheus jobs that scrape liveperson-exporter.",
        ),
        query_variable(
            "instance",
            "Instance",
            'label_values(liveperson_exporter_build_info{job=~"$job"}, instance)',
            "Exporter instances (replicas, shards) of the selected jobs.",
        ),
        query_variable(
            "account_id",
            "Account",
            f"label_values(liveperson_exporter_collector_up{{{J}}}, account_id)",
            "LivePerson accounts the selected exporters collect.",
        ),
        # Names to pick, ids to filter by: the info metrics hold both.
        query_variable(
            "skill",
            "Skill",
            f"query_result(max by (skill_id, name) (liveperson_skill_info{{{A}}}))",
            "Skills by name (their ids filter the panels); skills Key Messaging Metrics has no "
            "name for are under All.",
            regex='/name="(?<text>[^"]*)".*skill_id="(?<value>[^"]*)"/',
        ),
        query_variable(
            "agent_group",
            "Agent group",
            f"query_result(max by (agent_group_id, name) (liveperson_agent_group_info{{{A}}}))",
            "Agent groups by name (their ids filter the panels).",
            regex='/agent_group_id="(?<value>[^"]*)".*name="(?<text>[^"]*)"/',
        ),
    ]


def layout(items):
    """Places panels left to right in rows of 24 columns (a panel that does not fit starts the
    next line), numbering them: the builder's own placement lets a panel overflow the line."""
    x = y = line_h = 0
    for i, item in enumerate(items, start=1):
        model = item.build()  # the builder's own model: what it adds later, positioned here
        is_row = isinstance(item, db.Row)
        w, h = (24, 1) if is_row else (model.grid_pos.w, model.grid_pos.h)
        if is_row or x + w > 24:
            y += line_h
            x = line_h = 0
        model.id_val = i
        model.grid_pos = dm.GridPos(h=h, w=w, x=x, y=y)
        x += w
        line_h = max(line_h, h)
        if is_row:
            y += 1
            x = line_h = 0
    return items


def dashboard(uid, title, description, build):
    d = (
        db.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags([TAG])
        .version(1)
        .editable()
        .tooltip(dm.DashboardCursorSync.CROSSHAIR)
        .fiscal_year_start_month(0)
        .live_now(False)
        .refresh("1m")
        .time("now-6h", "now")
        .timezone("browser")
        .week_start("")
        .link(
            db.DashboardLink("LivePerson dashboards")
            .type(dm.DashboardLinkType.DASHBOARDS)
            .tags([TAG])
            .as_dropdown(True)
            .include_vars(True)
            .keep_time(True)
            .icon("external link")
            .target_blank(False)
            .tooltip("The other liveperson-exporter dashboards")
            .url("")
        )
        .variables(variables())
        .annotation(
            db.AnnotationQuery()
            .name("Annotations & Alerts")
            .datasource(common.DataSourceRef(type_val="grafana", uid="-- Grafana --"))
            .enable(True)
            .hide(True)
            .icon_color("rgba(0, 211, 255, 1)")
            .type("dashboard")
            .built_in(1)
        )
    )
    for item in layout(build()):
        d = d.with_row(item) if isinstance(item, db.Row) else d.with_panel(item)
    model = d.build()
    # The builder writes the schema version it was generated for; the dashboards claim the one
    # the tests validate against.
    model.schema_version = SCHEMA_VERSION
    # The model gives every variable an interval variable's `auto*` settings; Grafana's schema
    # allows them on interval variables only, and these are not.
    for v in model.templating.list_val:
        v.auto = v.auto_min = v.auto_count = None
    return model


def outputs(directory):
    """Every dashboard's file in `directory`, as JSON text."""
    import json

    from grafana_foundation_sdk.cog.encoder import JSONEncoder

    return {
        directory / f"{uid.removeprefix('liveperson-')}.json": json.dumps(
            dashboard(uid, title, description, build), cls=JSONEncoder, indent=2, ensure_ascii=False
        )
        + "\n"
        for uid, title, description, build in DASHBOARD_SPECS
    }
