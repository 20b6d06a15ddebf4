"""The panel kinds the dashboards use, each a thin preset over grafana-foundation-sdk's typed
panel builders: a query (`q`), a time series, a stat, a gauge, a table of instant queries merged
on their labels, a state timeline, a heatmap, a pie chart, a row, and links between dashboards.
Every panel and query picks its data source through the dashboards' `datasource` variable."""

from grafana_foundation_sdk.builders import (
    common as cb,
    dashboard as db,
    gauge as gauge_b,
    heatmap as heatmap_b,
    piechart as piechart_b,
    prometheus,
    stat as stat_b,
    statetimeline,
    table as table_b,
    timeseries as timeseries_b,
)
from grafana_foundation_sdk.models import common, dashboard as dm
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

DS = common.DataSourceRef(type_val="prometheus", uid="${datasource}")
THRESHOLD_LEGEND = "alert threshold"


class Query:
    """A Prometheus query of a panel, before the panel gives it its refId."""

    def __init__(self, expr, legend="__auto", instant=False, table=False, heatmap=False):
        self.expr, self.legend = expr, legend
        self.instant = instant or table
        self.format = (
            PromQueryFormat.TABLE if table else PromQueryFormat.HEATMAP if heatmap else PromQueryFormat.TIME_SERIES
        )

    def builder(self, ref_id):
        b = (
            prometheus.Dataquery()
            .datasource(DS)
            .editor_mode("code")
            .expr(self.expr)
            .format(self.format)
            .legend_format(self.legend)
            .ref_id(ref_id)
        )
        return b.instant() if self.instant else b.range()


def q(expr, legend="__auto", instant=False, table=False, heatmap=False):
    return Query(expr, legend, instant, table, heatmap)


def threshold_line(record):
    """A query drawing an alert threshold from the rules' thresholds (empty without them)."""
    return q(f"max({record})", THRESHOLD_LEGEND)


def steps(*pairs):
    """Threshold steps: a base colour, then (value, colour) pairs."""
    base, *rest = pairs
    return (
        db.ThresholdsConfig()
        .mode(dm.ThresholdsMode.ABSOLUTE)
        .steps([dm.Threshold(value=None, color=base)] + [dm.Threshold(value=v, color=c) for v, c in rest])
    )


def mapping(values):
    """Value mappings from {value: (text, colour)}."""
    return [
        dm.ValueMap(
            options={
                str(v): dm.ValueMappingResult(text=t, color=c, index=i)
                for i, (v, (t, c)) in enumerate(values.items())
            }
        )
    ]


def color(mode):
    return db.FieldColor().mode(mode)


def link_to(uid, title):
    """A panel link to another dashboard, keeping the time range and the variables."""
    return [
        db.DashboardLink(title)
        .type(dm.DashboardLinkType.LINK)
        .url(f"/d/{uid}?${{__url_time_range}}&${{job:queryparam}}&${{instance:queryparam}}&${{account_id:queryparam}}&${{skill:queryparam}}")
        .tooltip(f"Open the {title} dashboard")
        .icon("dashboard")
        .tags([])
        .as_dropdown(False)
        .include_vars(False)
        .keep_time(False)
        .target_blank(False)
    ]


def _common(p, title, description, targets, w, h, unit=None, thresholds=None, links=None,
            decimals=None, min=None, max=None, mappings=None, color_mode=None, overrides=()):
    p = (
        p.title(title)
        .description(description)
        .datasource(DS)
        .targets([t.builder(chr(ord("A") + i)) for i, t in enumerate(targets)])
        .span(w)
        .height(h)
        .thresholds(thresholds or steps("green"))
    )
    if unit:
        p = p.unit(unit)
    for value, setter in ((decimals, p.decimals), (min, p.min), (max, p.max), (mappings, p.mappings)):
        if value is not None:
            setter(value)
    if color_mode:
        p = p.color_scheme(color(color_mode))
    if links:
        p = p.links(links)
    for name, properties in overrides:
        p = p.override_by_name(name, properties)
    return p


def timeseries(title, description, targets, unit, w=12, h=8, stack=False, **extra):
    overrides = []
    if any(t.legend == THRESHOLD_LEGEND for t in targets):
        # The threshold is a dashed red line, never stacked.
        overrides.append(
            (
                THRESHOLD_LEGEND,
                [
                    dm.DynamicConfigValue(id_val="color", value={"mode": "fixed", "fixedColor": "red"}),
                    dm.DynamicConfigValue(id_val="custom.lineStyle", value={"fill": "dash", "dash": [10, 10]}),
                    dm.DynamicConfigValue(id_val="custom.fillOpacity", value=0),
                    dm.DynamicConfigValue(id_val="custom.stacking", value={"mode": "none", "group": "A"}),
                ],
            )
        )
    p = (
        timeseries_b.Panel()
        .draw_style(common.GraphDrawStyle.LINE)
        .line_interpolation(common.LineInterpolation.LINEAR)
        .line_width(1)
        .fill_opacity(20 if stack else 0)
        .show_points(common.VisibilityMode.NEVER)
        .span_nulls(False)
        .stacking(cb.StackingConfig().mode(common.StackingMode.NORMAL if stack else common.StackingMode.NONE).group("A"))
        .axis_soft_min(0)
        .legend(
            cb.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.TABLE)
            .placement(common.LegendPlacement.RIGHT if w >= 12 else common.LegendPlacement.BOTTOM)
            .show_legend(True)
            .calcs(["lastNotNull", "max"])
            .sort_by("Last *")
            .sort_desc(True)
        )
        .tooltip(cb.VizTooltipOptions().mode(common.TooltipDisplayMode.MULTI).sort(common.SortOrder.DESCENDING))
    )
    return _common(p, title, description, targets, w, h, unit, overrides=overrides, **_colors(extra))


def _colors(extra):
    """`color={"mode": ...}` as the builders take it."""
    c = extra.pop("color", None)
    if c:
        extra["color_mode"] = dm.FieldColorModeId(c["mode"])
    return extra


def _reduce():
    return cb.ReduceDataOptions().calcs(["lastNotNull"]).fields("").values(False)


def stat(title, description, targets, unit, w=4, h=5, graph=True, options=None, **extra):
    p = (
        stat_b.Panel()
        .reduce_options(_reduce())
        .color_mode(common.BigValueColorMode.VALUE)
        .graph_mode(common.BigValueGraphMode.AREA if graph else common.BigValueGraphMode.NONE)
        .justify_mode(common.BigValueJustifyMode.AUTO)
        .orientation(common.VizOrientation.AUTO)
        .text_mode(common.BigValueTextMode((options or {}).get("textMode", "auto")))
        .wide_layout(True)
    )
    return _common(p, title, description, targets, w, h, unit, **_colors(extra))


def problem_count(title, description, problems, present, w=4):
    """A stat counting problems: `problems` returns series only when something is wrong, so it is
    joined with 0 whenever `present` (the thing being watched) exists, and stays empty otherwise."""
    return stat(
        title,
        description,
        [q(f"{problems} or on() (0 * {present})", title.lower())],
        "short",
        w=w,
        graph=False,
        thresholds=steps("green", (1, "red")),
    )


def gauge(title, description, targets, unit, w=4, h=5, **extra):
    p = (
        gauge_b.Panel()
        .reduce_options(_reduce())
        .orientation(common.VizOrientation.AUTO)
        .show_threshold_labels(False)
        .show_threshold_markers(True)
    )
    return _common(p, title, description, targets, w, h, unit, **_colors(extra))


def table(title, description, columns, keys, w=24, h=9, **extra):
    """A table of instant queries merged on their labels, the `keys` columns first.

    columns: (header, expr, unit) tuples; a header of None keeps only the query's labels (an info
    metric's `name`, say), not its value."""
    targets = [q(expr, table=True) for _, expr, _ in columns]
    value = [f"Value #{chr(ord('A') + i)}" for i in range(len(columns))]
    rename = {v: header for v, (header, _, _) in zip(value, columns) if header}
    exclude = {"Time": True} | {v: True for v, (header, _, _) in zip(value, columns) if not header}
    overrides = [(header, [dm.DynamicConfigValue(id_val="unit", value=unit)]) for header, _, unit in columns if unit]
    p = (
        table_b.Panel()
        .show_header(True)
        .cell_height(common.TableCellHeight.SM)
        .footer(cb.TableFooterOptions().show(False).reducer([]))
        .align("auto")
        .filterable(True)
        .transformations(
            [
                dm.DataTransformerConfig(id_val="merge", options={}),
                dm.DataTransformerConfig(
                    id_val="organize",
                    options={
                        "excludeByName": exclude,
                        "indexByName": {k: i for i, k in enumerate(keys)},
                        "renameByName": rename,
                    },
                ),
            ]
        )
    )
    return _common(p, title, description, targets, w, h, overrides=overrides, **extra)


def state_timeline(title, description, targets, values, w=24, h=10):
    p = (
        statetimeline.Panel()
        .merge_values(True)
        .show_value(common.VisibilityMode.NEVER)
        .align_value("left")
        .row_height(0.9)
        .legend(
            cb.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
        )
        .tooltip(cb.VizTooltipOptions().mode(common.TooltipDisplayMode.SINGLE).sort(common.SortOrder.NONE))
        .fill_opacity(80)
        .line_width(0)
    )
    return _common(
        p, title, description, targets, w, h, mappings=mapping(values), color_mode=dm.FieldColorModeId.THRESHOLDS
    )


def heatmap(title, description, target, w=12, h=8):
    p = (
        heatmap_b.Panel()
        .calculate(False)
        .cell_gap(1)
        .color(
            heatmap_b.HeatmapColorOptions()
            .mode("scheme")
            .scheme("Oranges")
            .steps(64)
            .exponent(0.5)
        )
        .y_axis(heatmap_b.YAxisConfig().axis_placement(common.AxisPlacement.LEFT).unit("s"))
        .rows_frame(heatmap_b.RowsHeatmapOptions().layout("auto"))
        .mode(common.TooltipDisplayMode.SINGLE)
        .show_y_histogram()
        .show_color_scale(False)
        .show_legend()
        .cell_values(heatmap_b.CellValues().unit("short"))
        .exemplars_color("rgba(255,0,255,0.7)")
    )
    return _common(p, title, description, [target], w, h)


def piechart(title, description, targets, unit, w=8, h=8):
    p = (
        piechart_b.Panel()
        .reduce_options(_reduce())
        .pie_type("donut")
        .legend(
            piechart_b.PieChartLegendOptions()
            .display_mode(common.LegendDisplayMode.TABLE)
            .placement(common.LegendPlacement.RIGHT)
            .show_legend(True)
            .values(["percent"])
        )
        .tooltip(cb.VizTooltipOptions().mode(common.TooltipDisplayMode.SINGLE).sort(common.SortOrder.NONE))
        .display_labels([])
    )
    return _common(p, title, description, targets, w, h, unit)


def row(title):
    return db.Row(title).collapsed(False)
