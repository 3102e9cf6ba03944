//! Inline SVG charts, readable in print and by colour-blind readers.
//!
//! Colours are the Okabe-Ito palette; every series also differs by shape, dash or
//! hatching, and values are written on the chart where they fit, so nothing depends on
//! colour alone. Axis numbers are formatted per locale. Output is deterministic.
//!
//! The charts are drawn here rather than with plotters: plotters' SVG backend formats
//! tick labels itself and measures text with a font backend, while these charts need
//! locale-formatted labels, hatch patterns and an accessible `<title>` per chart.

use std::fmt::Write;

use bellwether_i18n::Messages;

/// Okabe-Ito: blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow.
pub const BLUE: &str = "#0072B2";
pub const ORANGE: &str = "#E69F00";
pub const GREEN: &str = "#009E73";
pub const VERMILLION: &str = "#D55E00";
pub const PURPLE: &str = "#CC79A7";
pub const SKY: &str = "#56B4E9";
pub const GREY: &str = "#555555";

/// Escapes text for XML content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A chart frame: an `<svg>` with a title, hatch patterns and a plotting area.
struct Frame {
    svg: String,
    width: f64,
    height: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Frame {
    fn new(id: &str, title: &str, width: f64, height: f64, margins: [f64; 4]) -> Frame {
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-title"><title id="{id}-title">{}</title>"#,
            escape(title)
        );
        let _ = write!(
            svg,
            r##"<defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="{ORANGE}"/><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="1.5"/></pattern></defs>"##
        );
        Frame {
            svg,
            width,
            height,
            left: margins[0],
            right: width - margins[1],
            top: margins[2],
            bottom: height - margins[3],
        }
    }

    fn x(&self, fraction: f64) -> f64 {
        self.left + fraction * (self.right - self.left)
    }

    fn y(&self, fraction: f64) -> f64 {
        self.bottom - fraction * (self.bottom - self.top)
    }

    fn text(&mut self, x: f64, y: f64, anchor: &str, class: &str, text: &str) {
        let _ = write!(
            self.svg,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" class="{class}">{}</text>"#,
            escape(text)
        );
    }

    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, style: &str) {
        let _ = write!(
            self.svg,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" {style}/>"#
        );
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str) {
        let _ = write!(
            self.svg,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}" stroke="#222" stroke-width="0.5"/>"##,
            w.max(0.0),
            h.max(0.0)
        );
    }

    /// Horizontal grid lines and labels at `ticks` (fractions of the axis) on the left.
    fn y_axis(&mut self, ticks: &[(f64, String)], label: &str) {
        for (fraction, text) in ticks {
            let y = self.y(*fraction);
            let (left, right) = (self.left, self.right);
            self.line(left, y, right, y, r##"stroke="#ddd" stroke-width="1""##);
            self.text(left - 6.0, y + 4.0, "end", "tick", text);
        }
        let (x, y) = (14.0, (self.top + self.bottom) / 2.0);
        let _ = write!(
            self.svg,
            r#"<text x="{x}" y="{y:.1}" text-anchor="middle" class="axis" transform="rotate(-90 {x} {y:.1})">{}</text>"#,
            escape(label)
        );
    }

    fn x_label(&mut self, label: &str) {
        let x = (self.left + self.right) / 2.0;
        let y = self.height - 6.0;
        self.text(x, y, "middle", "axis", label);
    }

    fn legend(&mut self, items: &[(&str, &str)]) {
        let mut x = self.left;
        let y = 14.0;
        for (swatch, label) in items {
            let _ = write!(
                self.svg,
                r#"<g transform="translate({x:.1},{})">{swatch}</g>"#,
                y - 9.0
            );
            self.text(x + 16.0, y, "start", "legend", label);
            x += 26.0 + 7.0 * label.chars().count() as f64;
        }
    }

    fn finish(mut self) -> String {
        let _ = write!(
            self.svg,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#999"/></svg>"##,
            self.left,
            self.top,
            self.right - self.left,
            self.bottom - self.top
        );
        let _ = self.width;
        self.svg
    }
}

/// "Nice" ticks from 0 to at least `max`: (value, fraction of the axis).
fn ticks(max: f64) -> (f64, Vec<f64>) {
    if !(max > 0.0 && max.is_finite()) {
        return (1.0, vec![0.0, 0.5, 1.0]);
    }
    let raw = max / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let top = (max / step).ceil() * step;
    let n = (top / step).round() as usize;
    (top, (0..=n).map(|k| k as f64 * step).collect())
}

/// Amounts on an axis: compact, with a thousands or millions suffix from the messages.
pub fn compact(messages: &Messages, value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1e9 {
        messages.get("unit-billions", &[("n", &messages.number(value / 1e9, 1))])
    } else if magnitude >= 1e6 {
        messages.get("unit-millions", &[("n", &messages.number(value / 1e6, 1))])
    } else if magnitude >= 1e4 {
        messages.get("unit-thousands", &[("n", &messages.number(value / 1e3, 0))])
    } else {
        messages.number(value, 0)
    }
}

fn swatch(fill: &str) -> String {
    format!(r##"<rect width="12" height="10" fill="{fill}" stroke="#000" stroke-width="0.6"/>"##)
}

/// Horizontal bars with value labels, e.g. equity by quadrant or segment.
pub fn bars(
    id: &str,
    title: &str,
    messages: &Messages,
    rows: &[(String, f64)],
    value_label: &dyn Fn(f64) -> String,
) -> String {
    let height = 40.0 + 28.0 * rows.len() as f64;
    let mut frame = Frame::new(id, title, 640.0, height, [170.0, 110.0, 16.0, 24.0]);
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    let (top, tick_values) = ticks(max);
    for value in &tick_values {
        let x = frame.x(value / top);
        let (t, b) = (frame.top, frame.bottom);
        frame.line(x, t, x, b, r##"stroke="#ddd""##);
        frame.text(x, b + 14.0, "middle", "tick", &compact(messages, *value));
    }
    let colours = [
        BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, GREY, "#000000",
    ];
    for (k, (label, value)) in rows.iter().enumerate() {
        let y = frame.top + 8.0 + 28.0 * k as f64;
        let x0 = frame.x(0.0);
        let w = frame.x(value.max(0.0) / top) - x0;
        frame.rect(x0, y, w, 18.0, colours[k % colours.len()]);
        frame.text(x0 - 6.0, y + 13.0, "end", "label", label);
        frame.text(
            x0 + w + 4.0,
            y + 13.0,
            "start",
            "value",
            &value_label(*value),
        );
    }
    frame.finish()
}

/// Cohort retention as a heat-map triangle, the share written in every cell.
pub fn cohort_triangle(
    id: &str,
    title: &str,
    messages: &Messages,
    cohorts: &[(String, usize, Vec<f64>)],
) -> String {
    let n = cohorts.iter().map(|c| c.2.len()).max().unwrap_or(1).max(1);
    let cell_w = (560.0 / n as f64).clamp(22.0, 48.0);
    let cell_h = 20.0;
    let width = 150.0 + cell_w * n as f64 + 10.0;
    let height = 56.0 + cell_h * cohorts.len() as f64;
    let mut frame = Frame::new(id, title, width, height, [150.0, 10.0, 30.0, 26.0]);
    for k in 0..n {
        let x = frame.left + cell_w * (k as f64 + 0.5);
        frame.text(x, frame.top - 6.0, "middle", "tick", &k.to_string());
    }
    for (row, (label, size, retention)) in cohorts.iter().enumerate() {
        let y = frame.top + cell_h * row as f64;
        let size_text = messages.number(*size as f64, 0);
        frame.text(
            frame.left - 6.0,
            y + 14.0,
            "end",
            "label",
            &format!("{label} ({size_text})"),
        );
        for (k, share) in retention.iter().enumerate() {
            let x = frame.left + cell_w * k as f64;
            // A single-hue blue ramp: light for low retention, dark for high.
            let t = share.clamp(0.0, 1.0);
            let (r, g, b) = (
                (247.0 - t * (247.0 - 8.0)) as u8,
                (251.0 - t * (251.0 - 48.0)) as u8,
                (255.0 - t * (255.0 - 107.0)) as u8,
            );
            frame.rect(x, y, cell_w, cell_h, &format!("#{r:02x}{g:02x}{b:02x}"));
            let class = if t > 0.45 { "cell light" } else { "cell" };
            let text = messages.number(share * 100.0, 0);
            frame.text(x + cell_w / 2.0, y + 14.0, "middle", class, &text);
        }
    }
    frame.x_label(&messages.get("chart-cohort-x", &[]));
    frame.finish()
}

/// P(alive) histogram, strategic (hatched) stacked on the others.
pub fn p_alive_histogram(
    id: &str,
    title: &str,
    messages: &Messages,
    bins: &[(f64, usize, usize)],
) -> String {
    let mut frame = Frame::new(id, title, 640.0, 280.0, [70.0, 16.0, 28.0, 40.0]);
    let max = bins.iter().map(|b| (b.1 + b.2) as f64).fold(0.0, f64::max);
    let (top, tick_values) = ticks(max);
    let labels: Vec<(f64, String)> = tick_values
        .iter()
        .map(|v| (v / top, messages.number(*v, 0)))
        .collect();
    frame.y_axis(&labels, &messages.get("chart-customers", &[]));
    let w = (frame.right - frame.left) / bins.len().max(1) as f64;
    for (k, (low, strategic, other)) in bins.iter().enumerate() {
        let x = frame.left + w * k as f64 + 2.0;
        let y_other = frame.y(*other as f64 / top);
        frame.rect(x, y_other, w - 4.0, frame.bottom - y_other, SKY);
        let y_strategic = frame.y((*other + *strategic) as f64 / top);
        frame.rect(
            x,
            y_strategic,
            w - 4.0,
            y_other - y_strategic,
            &format!("url(#{id}-hatch)"),
        );
        frame.text(
            x + w / 2.0 - 2.0,
            frame.bottom + 14.0,
            "middle",
            "tick",
            &messages.number(*low, 1),
        );
    }
    let hatch = format!(
        r##"<rect width="12" height="10" fill="url(#{id}-hatch)" stroke="#000" stroke-width="0.6"/>"##
    );
    let legend_strategic = messages.get("legend-strategic", &[]);
    let legend_other = messages.get("legend-other", &[]);
    frame.legend(&[(&hatch, &legend_strategic), (&swatch(SKY), &legend_other)]);
    frame.x_label(&messages.get("chart-p-alive-x", &[]));
    frame.finish()
}

/// A polyline through `points` in axis fractions.
fn polyline(frame: &Frame, points: &[(f64, f64)], style: &str) -> String {
    let mut path = String::new();
    for (x, y) in points {
        let _ = write!(path, "{:.1},{:.1} ", frame.x(*x), frame.y(*y));
    }
    format!(
        r#"<polyline fill="none" points="{}" {style}/>"#,
        path.trim_end()
    )
}

/// Cumulative repeat purchases, actual (solid) and model (dashed), with the end of the
/// calibration period marked.
pub fn tracking(
    id: &str,
    title: &str,
    messages: &Messages,
    weeks: &[f64],
    actual: &[f64],
    expected: &[f64],
    calibration_weeks: f64,
) -> String {
    let mut frame = Frame::new(id, title, 640.0, 300.0, [80.0, 16.0, 28.0, 40.0]);
    let max_y = actual.iter().chain(expected).copied().fold(0.0, f64::max);
    let max_x = weeks.last().copied().unwrap_or(1.0).max(1.0);
    let (top, tick_values) = ticks(max_y);
    let labels: Vec<(f64, String)> = tick_values
        .iter()
        .map(|v| (v / top, compact(messages, *v)))
        .collect();
    frame.y_axis(&labels, &messages.get("chart-repeat-purchases", &[]));
    let (_, x_ticks) = ticks(max_x);
    for value in x_ticks.iter().filter(|v| **v <= max_x) {
        let x = frame.x(value / max_x);
        frame.text(
            x,
            frame.bottom + 14.0,
            "middle",
            "tick",
            &messages.number(*value, 0),
        );
    }
    let points = |series: &[f64]| -> Vec<(f64, f64)> {
        weeks
            .iter()
            .zip(series)
            .map(|(w, v)| (w / max_x, v / top))
            .collect()
    };
    let actual_line = polyline(
        &frame,
        &points(actual),
        &format!(r#"stroke="{BLUE}" stroke-width="2.5""#),
    );
    let model_line = polyline(
        &frame,
        &points(expected),
        &format!(r#"stroke="{VERMILLION}" stroke-width="2" stroke-dasharray="7 4""#),
    );
    frame.svg.push_str(&actual_line);
    frame.svg.push_str(&model_line);
    let x = frame.x(calibration_weeks / max_x);
    let (t, b) = (frame.top, frame.bottom);
    frame.line(x, t, x, b, r##"stroke="#000" stroke-dasharray="2 3""##);
    frame.text(
        x + 4.0,
        t + 14.0,
        "start",
        "tick",
        &messages.get("chart-calibration-end", &[]),
    );
    let solid =
        format!(r#"<line x1="0" y1="5" x2="12" y2="5" stroke="{BLUE}" stroke-width="2.5"/>"#);
    let dashed = format!(
        r#"<line x1="0" y1="5" x2="12" y2="5" stroke="{VERMILLION}" stroke-width="2" stroke-dasharray="4 2"/>"#
    );
    let legend_actual = messages.get("legend-actual", &[]);
    let legend_model = messages.get("legend-model", &[]);
    frame.legend(&[(&solid, &legend_actual), (&dashed, &legend_model)]);
    frame.x_label(&messages.get("chart-weeks", &[]));
    frame.finish()
}

/// The Lorenz curve of revenue against the line of equality.
pub fn lorenz(id: &str, title: &str, messages: &Messages, points: &[[f64; 2]]) -> String {
    let mut frame = Frame::new(id, title, 420.0, 340.0, [60.0, 16.0, 28.0, 40.0]);
    let labels: Vec<(f64, String)> = (0..=4)
        .map(|k| (k as f64 / 4.0, messages.percent(k as f64 / 4.0, 0)))
        .collect();
    frame.y_axis(&labels, &messages.get("chart-share-revenue", &[]));
    for (fraction, text) in &labels {
        let x = frame.x(*fraction);
        frame.text(x, frame.bottom + 14.0, "middle", "tick", text);
    }
    let equality = polyline(
        &frame,
        &[(0.0, 0.0), (1.0, 1.0)],
        r##"stroke="#777" stroke-dasharray="4 3""##,
    );
    let curve: Vec<(f64, f64)> = points.iter().map(|p| (p[0], p[1])).collect();
    let curve = polyline(
        &frame,
        &curve,
        &format!(r#"stroke="{BLUE}" stroke-width="2.5""#),
    );
    frame.svg.push_str(&equality);
    frame.svg.push_str(&curve);
    let solid =
        format!(r#"<line x1="0" y1="5" x2="12" y2="5" stroke="{BLUE}" stroke-width="2.5"/>"#);
    let dashed = r##"<line x1="0" y1="5" x2="12" y2="5" stroke="#777" stroke-dasharray="4 2"/>"##;
    let legend_lorenz = messages.get("legend-lorenz", &[]);
    let legend_equality = messages.get("legend-equality", &[]);
    frame.legend(&[(&solid, &legend_lorenz), (dashed, &legend_equality)]);
    frame.x_label(&messages.get("chart-share-customers", &[]));
    frame.finish()
}

/// The marker of a quadrant: colour and shape, so print and colour-blind readers can tell them apart.
fn marker(quadrant: usize, x: f64, y: f64) -> String {
    match quadrant {
        0 => format!(
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="3.2" fill="{VERMILLION}" stroke="#000" stroke-width="0.4"/>"##
        ),
        1 => format!(
            r##"<rect x="{:.1}" y="{:.1}" width="5.5" height="5.5" fill="{PURPLE}" stroke="#000" stroke-width="0.4"/>"##,
            x - 2.75,
            y - 2.75
        ),
        2 => format!(
            r##"<path d="M{x:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z" fill="{GREEN}" stroke="#000" stroke-width="0.4"/>"##,
            y - 3.5,
            x + 3.5,
            y + 3.0,
            x - 3.5,
            y + 3.0
        ),
        _ => format!(
            r##"<path d="M{:.1} {y:.1}L{:.1} {y:.1}M{x:.1} {:.1}L{x:.1} {:.1}" stroke="{SKY}" stroke-width="1.4"/>"##,
            x - 2.5,
            x + 2.5,
            y - 2.5,
            y + 2.5
        ),
    }
}

/// The quadrant map: fit (x) against reputation (y), thresholds drawn.
pub fn quadrant_map(
    id: &str,
    title: &str,
    messages: &Messages,
    points: &[(f64, f64, usize)],
    thresholds: (f64, f64),
    legend: [&str; 4],
) -> String {
    let mut frame = Frame::new(id, title, 520.0, 440.0, [60.0, 16.0, 30.0, 40.0]);
    let labels: Vec<(f64, String)> = (0..=4)
        .map(|k| (k as f64 / 4.0, messages.number(k as f64 / 4.0, 2)))
        .collect();
    frame.y_axis(&labels, &messages.get("chart-reputation", &[]));
    for (fraction, text) in &labels {
        let x = frame.x(*fraction);
        frame.text(x, frame.bottom + 14.0, "middle", "tick", text);
    }
    let (fx, ry) = (frame.x(thresholds.0), frame.y(thresholds.1));
    let (l, r, t, b) = (frame.left, frame.right, frame.top, frame.bottom);
    frame.line(fx, t, fx, b, r##"stroke="#000" stroke-dasharray="5 3""##);
    frame.line(l, ry, r, ry, r##"stroke="#000" stroke-dasharray="5 3""##);
    // Quadrants drawn last-to-first, so strategic customers end on top.
    let mut sorted: Vec<&(f64, f64, usize)> = points.iter().collect();
    sorted.sort_by_key(|p| std::cmp::Reverse(p.2));
    for (fit, reputation, quadrant) in sorted {
        let m = marker(
            *quadrant,
            frame.x(fit.clamp(0.0, 1.0)),
            frame.y(reputation.clamp(0.0, 1.0)),
        );
        frame.svg.push_str(&m);
    }
    let swatches: Vec<String> = (0..4).map(|q| marker(q, 6.0, 5.0)).collect();
    let items: Vec<(&str, &str)> = swatches.iter().map(String::as_str).zip(legend).collect();
    frame.legend(&items);
    frame.x_label(&messages.get("chart-fit", &[]));
    frame.finish()
}

/// Columns, e.g. equity now and after the buy-out; `hatched` columns are drawn hatched.
pub fn columns(
    id: &str,
    title: &str,
    messages: &Messages,
    rows: &[(String, f64, bool)],
    value_label: &dyn Fn(f64) -> String,
) -> String {
    let mut frame = Frame::new(id, title, 640.0, 300.0, [90.0, 16.0, 24.0, 40.0]);
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    let (top, tick_values) = ticks(max * 1.1);
    let labels: Vec<(f64, String)> = tick_values
        .iter()
        .map(|v| (v / top, compact(messages, *v)))
        .collect();
    frame.y_axis(&labels, &messages.get("chart-equity", &[]));
    let w = (frame.right - frame.left) / rows.len().max(1) as f64;
    for (k, (label, value, hatched)) in rows.iter().enumerate() {
        let x = frame.left + w * k as f64 + w * 0.2;
        let y = frame.y(value.max(0.0) / top);
        let fill = if *hatched {
            format!("url(#{id}-hatch)")
        } else {
            BLUE.to_string()
        };
        frame.rect(x, y, w * 0.6, frame.bottom - y, &fill);
        frame.text(
            x + w * 0.3,
            y - 5.0,
            "middle",
            "value",
            &value_label(*value),
        );
        frame.text(x + w * 0.3, frame.bottom + 16.0, "middle", "label", label);
    }
    frame.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        let (top, values) = ticks(873.0);
        assert_eq!(top, 1000.0);
        assert_eq!(values, vec![0.0, 250.0, 500.0, 750.0, 1000.0]);
        let (top, _) = ticks(0.0);
        assert_eq!(top, 1.0);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("<a & 'b'>"), "&lt;a &amp; &#39;b&#39;&gt;");
    }
}
