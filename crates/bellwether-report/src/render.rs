//! The HTML report: one self-contained page, inline CSS and SVG, no external request,
//! printable to PDF from a browser.

use std::fmt::Write;

use bellwether_i18n::{Locale, Messages};

use crate::charts::{self, escape};
use crate::{Figures, ModelFit, ReportError};

const STYLE: &str = r#"
:root { --ink: #1b1b1b; --muted: #555; --rule: #ccc; --accent: #0072B2; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 980px; padding: 24px; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid var(--accent); padding-bottom: 0.2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-bottom: 0.3rem; }
p.lead { color: var(--muted); margin-top: 0; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin: 1rem 0; }
.kpi { border: 1px solid var(--rule); border-radius: 6px; padding: 10px 12px; }
.kpi .value { font-size: 1.35rem; font-weight: 650; }
.kpi .label { color: var(--muted); font-size: 0.85rem; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 10px; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { color: var(--muted); font-size: 0.85rem; }
svg.chart { max-width: 100%; height: auto; }
svg.chart text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
ul.risks li { margin-bottom: 0.3rem; }
.note { color: var(--muted); font-size: 0.85rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  section { break-inside: auto; }
  .kpi { border-color: #888; }
  a { color: inherit; text-decoration: none; }
}
@page { size: A4; margin: 16mm; }
"#;

/// Locale-aware formatting of the report's values.
struct Fmt<'a> {
    m: &'a Messages,
    currency: String,
}

impl Fmt<'_> {
    fn money(&self, value: f64) -> String {
        self.m.currency(value, &self.currency)
    }

    fn pct(&self, share: f64) -> String {
        self.m.percent(share, 1)
    }

    fn int(&self, value: usize) -> String {
        self.m.number(value as f64, 0)
    }

    fn num(&self, value: f64, decimals: usize) -> String {
        self.m.number(value, decimals)
    }

    fn t(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.m.get(key, args)
    }
}

fn table(out: &mut String, header: &[(String, bool)], rows: &[Vec<String>]) {
    out.push_str("<table><thead><tr>");
    for (text, numeric) in header {
        let class = if *numeric { " class=\"num\"" } else { "" };
        let _ = write!(out, "<th{class}>{}</th>", escape(text));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (cell, (_, numeric)) in row.iter().zip(header) {
            let class = if *numeric { " class=\"num\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", escape(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn figure(out: &mut String, svg: &str, caption: &str) {
    let _ = write!(
        out,
        "<figure>{svg}<figcaption>{}</figcaption></figure>",
        escape(caption)
    );
}

fn paragraph(out: &mut String, text: &str) {
    let _ = write!(out, "<p>{}</p>", escape(text));
}

fn note(out: &mut String, text: &str) {
    let _ = write!(out, "<p class=\"note\">{}</p>", escape(text));
}

fn quadrant_key(group: &str) -> String {
    format!("quadrant-{group}")
}

fn model_name(f: &Fmt<'_>, model: &str) -> String {
    f.t(&format!("model-{}", model.replace('_', "-")), &[])
}

fn params_table(out: &mut String, f: &Fmt<'_>, fit: &ModelFit) {
    let rows: Vec<Vec<String>> = fit
        .params
        .iter()
        .map(|p| vec![p.name.clone(), f.num(p.estimate, 4), f.num(p.std_error, 4)])
        .collect();
    table(
        out,
        &[
            (f.t("col-parameter", &[]), false),
            (f.t("col-estimate", &[]), true),
            (f.t("col-std-error", &[]), true),
        ],
        &rows,
    );
    note(
        out,
        &f.t(
            "method-fit-line",
            &[
                ("model", &model_name(f, &fit.model)),
                ("ll", &f.num(fit.log_likelihood, 2)),
                ("aic", &f.num(fit.aic, 2)),
                ("n", &f.num(fit.n, 0)),
                ("iterations", &fit.iterations.to_string()),
            ],
        ),
    );
    for warning in &fit.warnings {
        note(out, &f.t("method-warning", &[("text", warning)]));
    }
}

/// The report as one HTML page in `locale`.
pub fn render_html(figures: &Figures, locale: Locale) -> Result<String, ReportError> {
    let messages = Messages::new(locale)?;
    let f = Fmt {
        m: &messages,
        currency: figures.options.currency.clone(),
    };
    let mut out = String::with_capacity(256 * 1024);
    let title = f.t("report-title", &[]);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>",
        locale.tag(),
        escape(&title)
    );
    let _ = write!(out, "<header><h1>{}</h1>", escape(&title));
    let period = f.t(
        "report-period",
        &[
            ("first", &messages.date(figures.data.first_date)),
            ("last", &messages.date(figures.data.last_date)),
            ("customers", &f.int(figures.data.customers)),
            ("transactions", &f.int(figures.data.transactions)),
        ],
    );
    let _ = write!(out, "<p class=\"lead\">{}</p></header>", escape(&period));

    summary(&mut out, &f, figures);
    equity(&mut out, &f, figures);
    retention(&mut out, &f, figures);
    concentration(&mut out, &f, figures);
    strategic(&mut out, &f, figures);
    jump_ship(&mut out, &f, figures);
    acquirer(&mut out, &f, figures);
    discounts(&mut out, &f, figures);
    method(&mut out, &f, figures);
    out.push_str("</body></html>\n");
    Ok(out)
}

fn section_start(out: &mut String, f: &Fmt<'_>, id: &str, key: &str) {
    let _ = write!(
        out,
        "<section id=\"{id}\"><h2>{}</h2>",
        escape(&f.t(key, &[]))
    );
}

fn kpis(out: &mut String, items: &[(String, String)]) {
    out.push_str("<div class=\"kpis\">");
    for (value, label) in items {
        let _ = write!(
            out,
            "<div class=\"kpi\"><div class=\"value\">{}</div><div class=\"label\">{}</div></div>",
            escape(value),
            escape(label)
        );
    }
    out.push_str("</div>");
}

fn interval_text(f: &Fmt<'_>, figures: &Figures) -> String {
    match figures.equity.interval {
        Some([low, high]) => f.t(
            "equity-interval",
            &[
                ("level", &f.m.percent(figures.equity.interval_level, 0)),
                ("low", &f.money(low)),
                ("high", &f.money(high)),
            ],
        ),
        None => f.t("equity-no-interval", &[]),
    }
}

fn summary(out: &mut String, f: &Fmt<'_>, figures: &Figures) {
    section_start(out, f, "summary", "section-summary");
    let e = &figures.equity;
    kpis(
        out,
        &[
            (
                f.money(e.total),
                f.t(
                    "kpi-equity",
                    &[("months", &figures.options.horizon_months.to_string())],
                ),
            ),
            (
                f.pct(figures.strategic.share_of_equity),
                f.t("kpi-strategic-equity", &[]),
            ),
            (
                f.pct(figures.concentration.top[2].share),
                f.t("kpi-top10", &[]),
            ),
            (
                f.money(figures.jump_ship.strategic_difference),
                f.t("kpi-jump-ship", &[]),
            ),
        ],
    );
    paragraph(
        out,
        &f.t(
            "summary-equity",
            &[
                ("equity", &f.money(e.total)),
                ("interval", &interval_text(f, figures)),
                ("customers", &f.int(figures.data.customers_with_purchases)),
                (
                    "model",
                    &model_name(f, &figures.method.transaction_model.model),
                ),
                ("months", &figures.options.horizon_months.to_string()),
                ("rate", &f.m.percent(figures.options.discount_rate, 1)),
            ],
        ),
    );
    paragraph(
        out,
        &f.t(
            "summary-strategic",
            &[
                ("count", &f.int(figures.strategic.customers)),
                ("customers", &f.pct(figures.strategic.share_of_customers)),
                ("revenue", &f.pct(figures.strategic.share_of_revenue)),
                ("equity", &f.pct(figures.strategic.share_of_equity)),
            ],
        ),
    );
    let _ = write!(
        out,
        "<h3>{}</h3><ul class=\"risks\">",
        escape(&f.t("summary-risks", &[]))
    );
    for risk in &figures.risks {
        let value = match risk.code.as_str() {
            "risk-hhi" => f.num(risk.value, 0),
            "risk-holdout" => f.m.percent(risk.value.abs(), 1),
            _ => f.pct(risk.value),
        };
        let text = f.t(
            &risk.code,
            &[
                ("value", &value),
                ("customer", risk.detail.as_deref().unwrap_or("")),
                ("other", &f.m.percent(figures.jump_ship.leave_rate_other, 0)),
                (
                    "strategic",
                    &f.m.percent(figures.jump_ship.leave_rate_strategic, 0),
                ),
                (
                    "direction",
                    &f.t(
                        if risk.value > 0.0 {
                            "word-over"
                        } else {
                            "word-under"
                        },
                        &[],
                    ),
                ),
            ],
        );
        let _ = write!(out, "<li>{}</li>", escape(&text));
    }
    out.push_str("</ul></section>");
}

fn equity(out: &mut String, f: &Fmt<'_>, figures: &Figures) {
    section_start(out, f, "equity", "section-equity");
    let e = &figures.equity;
    paragraph(
        out,
        &f.t(
            "equity-intro",
            &[
                ("equity", &f.money(e.total)),
                ("interval", &interval_text(f, figures)),
                ("mean", &f.money(e.mean_clv)),
            ],
        ),
    );
    let money = |v: f64| f.money(v);
    let quadrant_rows: Vec<(String, f64)> = e
        .by_quadrant
        .iter()
        .map(|g| (f.t(&quadrant_key(&g.group), &[]), g.equity))
        .collect();
    let title = f.t("chart-equity-quadrant", &[]);
    figure(
        out,
        &charts::bars("equity-quadrant", &title, f.m, &quadrant_rows, &money),
        &title,
    );
    let header = [
        (f.t("col-group", &[]), false),
        (f.t("col-customers", &[]), true),
        (f.t("col-revenue", &[]), true),
        (f.t("col-equity", &[]), true),
        (f.t("col-share-equity", &[]), true),
    ];
    let rows: Vec<Vec<String>> = e
        .by_quadrant
        .iter()
        .map(|g| {
            vec![
                f.t(&quadrant_key(&g.group), &[]),
                f.int(g.customers),
                f.money(g.revenue),
                f.money(g.equity),
                f.pct(g.share_of_equity),
            ]
        })
        .collect();
    table(out, &header, &rows);
    let segment_name = |group: &str| match group {
        "other" => f.t("segment-other", &[]),
        "unknown" => f.t("segment-unknown", &[]),
        name => name.to_string(),
    };
    let segment_rows: Vec<(String, f64)> = e
        .by_segment
        .iter()
        .map(|g| (segment_name(&g.group), g.equity))
        .collect();
    let title = f.t("chart-equity-segment", &[]);
    figure(
        out,
        &charts::bars("equity-segment", &title, f.m, &segment_rows, &money),
        &title,
    );
    let rows: Vec<Vec<String>> = e
        .by_segment
        .iter()
        .map(|g| {
            vec![
                segment_name(&g.group),
                f.int(g.customers),
                f.money(g.revenue),
                f.money(g.equity),
                f.pct(g.share_of_equity),
            ]
        })
        .collect();
    table(out, &header, &rows);
    out.push_str("</section>");
}

fn retention(out: &mut String, f: &Fmt<'_>, figures: &Figures) {
    section_start(out, f, "retention", "section-retention");
    let r = &figures.retention;
    let cohorts: Vec<(String, usize, Vec<f64>)> = r
        .cohorts
        .iter()
        .map(|c| {
            (
                f.t(
                    "cohort-label",
                    &[
                        ("year", &c.year.to_string()),
                        ("quarter", &c.quarter.to_string()),
                    ],
                ),
                c.size,
                c.retention.clone(),
            )
        })
        .collect();
    let title = f.t("chart-cohorts", &[]);
    figure(
        out,
        &charts::cohort_triangle("cohorts", &title, f.m, &cohorts),
        &f.t("chart-cohorts-caption", &[]),
    );
    if r.last_quarter_partial {
        note(out, &f.t("cohorts-partial", &[]));
    }
    let bins: Vec<(f64, usize, usize)> = r
        .p_alive_bins
        .iter()
        .map(|b| (b.low, b.strategic, b.other))
        .collect();
    let title = f.t("chart-p-alive", &[]);
    figure(
        out,
        &charts::p_alive_histogram("p-alive", &title, f.m, &bins),
        &f.t(
            "chart-p-alive-caption",
            &[("mean", &f.num(r.mean_p_alive, 2))],
        ),
    );
    match &r.tracking {
        Some(t) => {
            let title = f.t("chart-tracking", &[]);
            figure(
                out,
                &charts::tracking(
                    "tracking",
                    &title,
                    f.m,
                    &t.weeks,
                    &t.actual,
                    &t.expected,
                    t.calibration_weeks,
                ),
                &f.t(
                    "chart-tracking-caption",
                    &[
                        ("model", &model_name(f, &t.model.model)),
                        ("weeks", &f.num(t.calibration_weeks, 0)),
                        ("actual", &f.num(t.holdout_actual, 0)),
                        ("expected", &f.num(t.holdout_expected, 0)),
                    ],
                ),
            );
        }
        None => note(out, &f.t("tracking-none", &[])),
    }
    out.push_str("</section>");
}

fn concentration(out: &mut String, f: &Fmt<'_>, figures: &Figures) {
    section_start(out, f, "concentration", "section-concentration");
    let c = &figures.concentration;
    let rows: Vec<Vec<String>> = c
        .top
        .iter()
        .map(|t| vec![f.t("top-n", &[("n", &t.top.to_string())]), f.pct(t.share)])
        .collect();
    table(
        out,
        &[
            (f.t("col-customers", &[]), false),
            (f.t("col-share-revenue", &[]), true),
        ],
        &rows,
    );
    paragraph(
        out,
        &f.t(
            "concentration-hhi",
            &[
                ("hhi", &f.num(c.hhi, 4)),
                ("points", &f.num(c.hhi_points, 0)),
                ("gini", &f.num(c.gini, 3)),
            ],
        ),
    );
    let threshold = f.m.percent(figures.options.large_customer_share, 0);
    if c.large_customers.is_empty() {
        paragraph(
            out,
            &f.t("concentration-no-large", &[("threshold", &threshold)]),
        );
    } else {
        for large in &c.large_customers {
            let _ = write!(
                out,
                "<p><strong>{}</strong></p>",
                escape(&f.t(
                    "concentration-large",
                    &[
                        ("customer", &large.customer_id),
                        ("share", &f.pct(large.share)),
                        ("threshold", &threshold)
                    ],
                ))
            );
        }
    }
    let title = f.t("chart-lorenz", &[]);
    figure(
        out,
        &charts::lorenz("lorenz", &title, f.m, &c.lorenz),
        &f.t("chart-lorenz-caption", &[]),
    );
    out.push_str("</section>");
}

fn strategic(out: &mut String, f: &Fmt<'_>, figures: &Figures) {
    section_start(out, f, "strategic", "section-strategic");
    let s = &figures.strategic;
    kpis(
        out,
        &[
            (f.int(s.customers), f.t("kpi-strategic-count", &[])),
            (f.pct(s.share_of_revenue), f.t("kpi-strategic-revenue", &[])),
            (f.pct(s.share_of_equity), f.t("kpi-strategic-equity", &[])),
            (
                s.median_tenure_days
                    .map_or_else(|| "–".to_string(), |d| f.num(d / 365.25, 1)),
                f.t("kpi-strategic-tenure", &[]),
            ),
        ],
    );
    let p = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| f.num(v, 2));
    paragraph(
        out,
        &f.t(
            "strategic-p-alive",
            &[
                ("strategic", &p(s.mean_p_alive)),
                ("other", &p(s.mean_p_alive_other)),
            ],
        ),
    );
    paragraph(
        out,
        &f.t(
            "strategic-discount-heavy",
            &[("count", &f.int(s.discount_heavy))],
        ),
    );
    let quadrant_index = |q: bellwether_core::Quadrant| match q {
        bellwether_core::Quadrant::Strategic => 0,
        bellwether_core::Quadrant::Showcase => 1,
        bellwether_core::Quadrant::Representative => 2,
        bellwether_core::Quadrant::Transactional => 3,
    };
    let points: Vec<(f64, f64, usize)> = s
        .map
        .iter()
        .map(|p| (p.fit, p.reputation, quadrant_index(p.quadrant)))
        .collect();
    let legend = [
        f.t("quadrant-strategic", &[]),
        f.t("quadrant-showcase", &[]),
        f.t("quadrant-representative", &[]),
        f.t("quadrant-transactional", &[]),
    ];
    let title = f.t("chart-quadrants", &[]);
    figure(
        out,
        &charts::quadrant_map(
            "quadrants",
            &title,
            f.m,
            &points,
            (
                figures.options.quadrant_thresholds[0],
                figures.options.quadrant_thresholds[1],
            ),
            [&legend[0], &legend[1], &legend[2], &legend[3]],
        ),
        &f.t(
            "chart-quadrants-caption",
            &[("shown", &f.int(s.map.len())), ("total", &f.int(s.map_of))],
        ),
    );
    out.push_str("</section>");
}

fn jump_ship(out: &mut String, f: &Fmt<'_>, figures: &Figures) {
    section_start(out, f, "jump-ship", "section-jump-ship");
    let j = &figures.jump_ship;
    paragraph(
        out,
        &f.t(
            "jump-ship-intro",
            &[
                ("other", &f.m.percent(j.leave_rate_other, 0)),
                ("strategic", &f.m.percent(j.leave_rate_strategic, 0)),
            ],
        ),
    );
    let rows = vec![
        (
            f.t("jump-now", &[]),
            j.equity_strategic + j.equity_other,
            false,
        ),
        (f.t("jump-kept", &[]), j.equity_kept, false),
        (
            f.t("jump-kept-without", &[]),
            j.equity_kept_without_strategic_loyalty,
            true,
        ),
    ];
    let money = |v: f64| f.money(v);
    let title = f.t("chart-jump-ship", &[]);
    figure(
        out,
        &charts::columns("jump-ship", &title, f.m, &rows, &money),
        &title,
    );
    paragraph(
        out,
        &f.t(
            "jump-ship-result",
            &[
                ("kept", &f.money(j.equity_kept)),
                ("without", &f.money(j.equity_kept_without_strategic_loyalty)),
                ("difference", &f.money(j.strategic_difference)),
            ],
        ),
    );
    out.push_str("</section>");
}

fn acquirer(out: &mut String, f: &Fmt<'_>, figures: &Figures) {
    section_start(out, f, "acquirer", "section-acquirer");
    match &figures.acquirer {
        Some(a) => {
            paragraph(
                out,
                &f.t(
                    "acquirer-intro",
                    &[("column", &a.column), ("value", &a.value)],
                ),
            );
            kpis(
                out,
                &[
                    (
                        f.pct(a.share_of_customers),
                        f.t("kpi-acquirer-customers", &[("count", &f.int(a.customers))]),
                    ),
                    (f.pct(a.share_of_revenue), f.t("kpi-acquirer-revenue", &[])),
                    (f.pct(a.share_of_equity), f.t("kpi-acquirer-equity", &[])),
                ],
            );
            paragraph(
                out,
                &f.t(
                    "acquirer-detail",
                    &[
                        ("strategic", &f.int(a.strategic_on_stack)),
                        ("unknown", &f.int(a.unknown)),
                    ],
                ),
            );
        }
        None => paragraph(out, &f.t("acquirer-none", &[])),
    }
    out.push_str("</section>");
}

fn discounts(out: &mut String, f: &Fmt<'_>, figures: &Figures) {
    section_start(out, f, "discounts", "section-discounts");
    let d = &figures.discounts;
    paragraph(
        out,
        &f.t(
            "discounts-intro",
            &[
                (
                    "coupon",
                    &f.m.percent(figures.options.heavy_coupon_share, 0),
                ),
                (
                    "discount",
                    &f.m.percent(figures.options.heavy_discount_share, 0),
                ),
                ("count", &f.int(d.heavy_customers)),
                ("customers", &f.pct(d.share_of_customers)),
                ("revenue", &f.pct(d.share_of_revenue)),
                ("equity", &f.pct(d.share_of_equity)),
            ],
        ),
    );
    let opt_pct = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| f.pct(v));
    let opt_num = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| f.num(v, 2));
    let rows = vec![
        vec![
            f.t("discounts-heavy", &[]),
            f.int(d.heavy.customers),
            f.int(d.heavy.eligible),
            opt_pct(d.heavy.active_last_year),
            opt_num(d.heavy.mean_p_alive),
        ],
        vec![
            f.t("discounts-rest", &[]),
            f.int(d.rest.customers),
            f.int(d.rest.eligible),
            opt_pct(d.rest.active_last_year),
            opt_num(d.rest.mean_p_alive),
        ],
    ];
    table(
        out,
        &[
            (f.t("col-group", &[]), false),
            (f.t("col-customers", &[]), true),
            (f.t("col-eligible", &[]), true),
            (f.t("col-active-last-year", &[]), true),
            (f.t("col-mean-p-alive", &[]), true),
        ],
        &rows,
    );
    note(out, &f.t("discounts-note", &[]));
    out.push_str("</section>");
}

fn method(out: &mut String, f: &Fmt<'_>, figures: &Figures) {
    section_start(out, f, "method", "section-method");
    let m = &figures.method;
    let _ = write!(out, "<h3>{}</h3>", escape(&f.t("method-models", &[])));
    paragraph(
        out,
        &f.t(
            "method-choice",
            &[("model", &model_name(f, &m.transaction_model.model))],
        ),
    );
    params_table(out, f, &m.transaction_model);
    if let Some(other) = &m.other_model {
        params_table(out, f, other);
    }
    if let Some(error) = &m.other_model_error {
        note(out, &f.t("method-other-failed", &[("error", error)]));
    }
    params_table(out, f, &m.spend_model);
    if let Some(t) = &figures.retention.tracking {
        let error = if t.holdout_actual > 0.0 {
            t.holdout_expected / t.holdout_actual - 1.0
        } else {
            0.0
        };
        paragraph(
            out,
            &f.t(
                "method-holdout",
                &[
                    ("actual", &f.num(t.holdout_actual, 0)),
                    ("expected", &f.num(t.holdout_expected, 0)),
                    ("error", &f.m.percent(error, 1)),
                ],
            ),
        );
    }
    let _ = write!(out, "<h3>{}</h3>", escape(&f.t("method-data", &[])));
    let d = &figures.data;
    let rows = vec![
        vec![f.t("data-customers", &[]), f.int(d.customers)],
        vec![
            f.t("data-with-purchases", &[]),
            f.int(d.customers_with_purchases),
        ],
        vec![f.t("data-transactions", &[]), f.int(d.transactions)],
        vec![f.t("data-purchase-days", &[]), f.int(d.purchase_days)],
        vec![f.t("data-non-positive", &[]), f.int(d.non_positive_amounts)],
        vec![f.t("data-first", &[]), f.m.date(d.first_date)],
        vec![f.t("data-last", &[]), f.m.date(d.last_date)],
        vec![f.t("data-revenue", &[]), f.money(d.total_revenue)],
    ];
    table(
        out,
        &[(f.t("col-item", &[]), false), (f.t("col-value", &[]), true)],
        &rows,
    );
    let _ = write!(
        out,
        "<h3>{}</h3><ul>",
        escape(&f.t("method-assumptions", &[]))
    );
    let o = &figures.options;
    let assumptions = [
        f.t("assume-time", &[]),
        f.t(
            "assume-clv",
            &[
                ("months", &o.horizon_months.to_string()),
                ("rate", &f.m.percent(o.discount_rate, 1)),
                ("monthly", &f.m.percent(o.monthly_discount_rate(), 3)),
            ],
        ),
        f.t("assume-spend", &[]),
        f.t(
            "assume-bootstrap",
            &[
                ("draws", &f.int(o.bootstrap_draws)),
                ("valid", &f.int(figures.equity.valid_draws)),
                ("sample", &f.int(figures.equity.bootstrap_sample)),
                ("seed", &o.seed.to_string()),
                ("level", &f.m.percent(o.interval_level, 0)),
            ],
        ),
        f.t("assume-cohorts", &[]),
        f.t("assume-concentration", &[]),
        f.t(
            "assume-jump-ship",
            &[
                ("other", &f.m.percent(o.leave_rate_other, 0)),
                ("strategic", &f.m.percent(o.leave_rate_strategic, 0)),
            ],
        ),
        f.t("assume-strategic", &[]),
    ];
    for text in assumptions {
        let _ = write!(out, "<li>{}</li>", escape(&text));
    }
    out.push_str("</ul></section>");
}
