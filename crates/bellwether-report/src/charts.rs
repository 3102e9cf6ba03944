//! Inline SVG charts drawn with plotters' SVG backend, readable in print and by
//! colour-blind readers.
//!
//! Colours are the Okabe-Ito palette; every series also differs by shape, dash or
//! hatching, and values are written on the chart where they fit, so nothing depends on
//! colour alone. Axis numbers are formatted per locale through the messages' number
//! formats (plotters' label formatters). Output is deterministic and self-contained.
//!
//! plotters (without its font features) writes text as `<text>` elements and measures
//! it with a fixed estimate, so no font is read or downloaded. Two things plotters has no
//! element for are added to its output here: the accessible `<title>` and `data-chart`
//! attribute of each chart, and hatching, which is drawn by plotters in a reserved colour
//! ([`HATCH_SENTINEL`]) and then pointed at an SVG `<pattern>`.

use std::fmt::Write;

use bellwether_i18n::Messages;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Okabe-Ito: blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow.
pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
pub const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
pub const PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
pub const SKY: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
pub const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
const INK: RGBColor = RGBColor(0x11, 0x11, 0x11);
const RULE: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);

/// A colour no chart uses otherwise: areas filled with it are hatched (orange with black
/// diagonal lines) after drawing.
const HATCH_SENTINEL: RGBColor = RGBColor(0x01, 0x02, 0x03);

const FONT: &str = "sans-serif";

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

type DrawResult = Result<(), Box<dyn std::error::Error>>;
type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws a chart with plotters and returns its `<svg>`, with the title, the `data-chart`
/// id and the hatch pattern added. A drawing error (none is expected on a string
/// backend) leaves the frame with its title and nothing else.
fn chart(
    id: &str,
    title: &str,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> String {
    let mut body = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut body, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| Box::new(e) as Box<dyn std::error::Error>)
            .and_then(|()| draw(&root))
            .and_then(|()| {
                root.present()
                    .map_err(|e| Box::new(e) as Box<dyn std::error::Error>)
            })
    };
    let (width, height) = size;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-title"><title id="{id}-title">{}</title>"#,
        escape(title)
    );
    let _ = write!(
        svg,
        r##"<defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#E69F00"/><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="1.5"/></pattern></defs>"##
    );
    if drawn.is_ok() {
        // Keep plotters' content, without its own <svg> element.
        let inner = body
            .find('>')
            .map(|start| &body[start + 1..])
            .and_then(|rest| rest.rfind("</svg>").map(|end| &rest[..end]))
            .unwrap_or("");
        let hatch = format!("url(#{id}-hatch)");
        let inner = inner
            .replace("#010203", &hatch)
            .replace("rgb(1,2,3)", &hatch);
        svg.push_str(&inner);
    }
    svg.push_str("</svg>");
    svg
}

fn boxed<E: std::error::Error + 'static>(error: E) -> Box<dyn std::error::Error> {
    Box::new(error)
}

fn text_style(size: f64, colour: RGBColor, anchor: (HPos, VPos)) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: colour.to_backend_color(),
        pos: Pos::new(anchor.0, anchor.1),
    }
}

/// "Nice" ticks from 0 to at least `max`: (top of the axis, tick values).
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

/// Draws the legend of the series drawn so far, at the top left of the plotting area.
fn legend<'a>(chart: &mut Chart<'a, 'a>) -> DrawResult {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .label_font((FONT, 14).into_font().color(&INK))
        .draw()
        .map_err(boxed)
}

/// Writes a category's label next to the plotting area, at `at` (chart coordinates)
/// moved 6 pixels away from the axis: plotters' mesh labels follow its own tick
/// positions, while categories sit at the middle of their band.
fn category_label(
    root: &Area<'_>,
    chart: &Chart<'_, '_>,
    label: &str,
    at: (f64, f64),
    anchor: (HPos, VPos),
) -> DrawResult {
    let (x, y) = chart.backend_coord(&at);
    let position = match anchor.0 {
        HPos::Right => (x - 6, y),
        _ => (x, y + 6),
    };
    root.draw(&Text::new(
        label.to_string(),
        position,
        text_style(14.0, INK, anchor),
    ))
    .map_err(boxed)
}

/// Horizontal bars with value labels, e.g. equity by quadrant or segment.
pub fn bars(
    id: &str,
    title: &str,
    messages: &Messages,
    rows: &[(String, f64)],
    value_label: &dyn Fn(f64) -> String,
) -> String {
    let height = 48 + 28 * rows.len() as u32;
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    // Room on the right for the value labels.
    let (top, tick_values) = ticks(max * 1.25);
    let n = rows.len().max(1);
    let colours = [BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, GREY, BLACK];
    chart(id, title, (640, height), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .margin_right(32)
            .x_label_area_size(24)
            .y_label_area_size(170)
            .build_cartesian_2d(0.0..top, 0.0..n as f64)
            .map_err(boxed)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_x_mesh()
            .x_labels(tick_values.len())
            .x_label_formatter(&|v| compact(messages, *v))
            .y_labels(1)
            .y_label_formatter(&|_| String::new())
            .label_style((FONT, 14).into_font().color(&INK))
            .axis_style(GREY)
            .draw()
            .map_err(boxed)?;
        chart
            .draw_series(
                tick_values.iter().map(|&v| {
                    PathElement::new(vec![(v, 0.0), (v, n as f64)], RULE.stroke_width(1))
                }),
            )
            .map_err(boxed)?;
        for (k, (label, value)) in rows.iter().enumerate() {
            let y = n as f64 - k as f64;
            let colour = colours[k % colours.len()];
            category_label(
                root,
                &chart,
                label,
                (0.0, y - 0.5),
                (HPos::Right, VPos::Center),
            )?;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y - 0.2), (value.max(0.0), y - 0.8)],
                    colour.filled(),
                )))
                .map_err(boxed)?;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y - 0.2), (value.max(0.0), y - 0.8)],
                    BLACK.stroke_width(1),
                )))
                .map_err(boxed)?;
            let (x_end, y_middle) = chart.backend_coord(&(value.max(0.0), y - 0.5));
            root.draw(&Text::new(
                value_label(*value),
                (x_end + 5, y_middle),
                text_style(14.0, INK, (HPos::Left, VPos::Center)),
            ))
            .map_err(boxed)?;
        }
        Ok(())
    })
}

/// The blue ramp of the cohort heat map: light for low retention, dark for high.
fn ramp(share: f64) -> RGBColor {
    let t = share.clamp(0.0, 1.0);
    RGBColor(
        (247.0 - t * (247.0 - 8.0)) as u8,
        (251.0 - t * (251.0 - 48.0)) as u8,
        (255.0 - t * (255.0 - 107.0)) as u8,
    )
}

/// Cohort retention as a heat-map triangle, the share written in every cell.
pub fn cohort_triangle(
    id: &str,
    title: &str,
    messages: &Messages,
    cohorts: &[(String, usize, Vec<f64>)],
) -> String {
    let n = cohorts.iter().map(|c| c.2.len()).max().unwrap_or(1).max(1);
    let rows = cohorts.len().max(1);
    let cell_w = (560.0 / n as f64).clamp(22.0, 48.0);
    let cell_h = 20.0;
    let width = (170.0 + cell_w * n as f64 + 16.0) as u32;
    let height = (70.0 + cell_h * rows as f64) as u32;
    let labels: Vec<String> = cohorts
        .iter()
        .map(|(label, size, _)| format!("{label} ({})", messages.number(*size as f64, 0)))
        .collect();
    chart(id, title, (width, height), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .margin_right(16)
            .x_label_area_size(40)
            .y_label_area_size(160)
            .build_cartesian_2d(0.0..n as f64, 0.0..rows as f64)
            .map_err(boxed)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(1)
            .x_label_formatter(&|_| String::new())
            .y_labels(1)
            .y_label_formatter(&|_| String::new())
            .x_desc(messages.get("chart-cohort-x", &[]))
            .label_style((FONT, 13).into_font().color(&INK))
            .axis_desc_style((FONT, 14).into_font().color(&INK))
            .axis_style(GREY)
            .draw()
            .map_err(boxed)?;
        for k in 0..n {
            category_label(
                root,
                &chart,
                &messages.number(k as f64, 0),
                (k as f64 + 0.5, 0.0),
                (HPos::Center, VPos::Top),
            )?;
        }
        for (row, (_, _, retention)) in cohorts.iter().enumerate() {
            let y = rows as f64 - row as f64;
            category_label(
                root,
                &chart,
                &labels[row],
                (0.0, y - 0.5),
                (HPos::Right, VPos::Center),
            )?;
            chart
                .draw_series(retention.iter().enumerate().map(|(k, share)| {
                    Rectangle::new(
                        [(k as f64, y), (k as f64 + 1.0, y - 1.0)],
                        ramp(*share).filled(),
                    )
                }))
                .map_err(boxed)?;
            chart
                .draw_series(retention.iter().enumerate().map(|(k, _)| {
                    Rectangle::new(
                        [(k as f64, y), (k as f64 + 1.0, y - 1.0)],
                        GREY.stroke_width(1),
                    )
                }))
                .map_err(boxed)?;
            chart
                .draw_series(retention.iter().enumerate().map(|(k, share)| {
                    let colour = if *share > 0.45 { WHITE } else { INK };
                    Text::new(
                        messages.number(share * 100.0, 0),
                        (k as f64 + 0.5, y - 0.5),
                        text_style(12.0, colour, (HPos::Center, VPos::Center)),
                    )
                }))
                .map_err(boxed)?;
        }
        Ok(())
    })
}

/// A 12 × 10 legend swatch at `(x, y)` (the legend's anchor, in pixels).
fn swatch(x: i32, y: i32, colour: RGBColor) -> Rectangle<(i32, i32)> {
    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
}

/// P(alive) histogram, strategic (hatched) stacked on the others.
pub fn p_alive_histogram(
    id: &str,
    title: &str,
    messages: &Messages,
    bins: &[(f64, usize, usize)],
) -> String {
    let max = bins.iter().map(|b| (b.1 + b.2) as f64).fold(0.0, f64::max);
    let (top, tick_values) = ticks(max * 1.2);
    let width = bins
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .next()
        .unwrap_or(0.1);
    let x_max = bins.last().map_or(1.0, |b| b.0 + width);
    chart(id, title, (640, 290), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_right(16)
            .x_label_area_size(44)
            .y_label_area_size(72)
            .build_cartesian_2d(0.0..x_max, 0.0..top)
            .map_err(boxed)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RULE)
            .x_labels(bins.len() + 1)
            .x_label_formatter(&|v| messages.number(*v, 1))
            .y_labels(tick_values.len())
            .y_label_formatter(&|v| messages.number(*v, 0))
            .x_desc(messages.get("chart-p-alive-x", &[]))
            .y_desc(messages.get("chart-customers", &[]))
            .label_style((FONT, 13).into_font().color(&INK))
            .axis_desc_style((FONT, 14).into_font().color(&INK))
            .axis_style(GREY)
            .draw()
            .map_err(boxed)?;
        let gap = width * 0.06;
        chart
            .draw_series(bins.iter().map(|(low, _, other)| {
                Rectangle::new(
                    [(low + gap, 0.0), (low + width - gap, *other as f64)],
                    SKY.filled(),
                )
            }))
            .map_err(boxed)?
            .label(messages.get("legend-other", &[]))
            .legend(|(x, y)| swatch(x, y, SKY));
        chart
            .draw_series(bins.iter().map(|(low, strategic, other)| {
                Rectangle::new(
                    [
                        (low + gap, *other as f64),
                        (low + width - gap, (other + strategic) as f64),
                    ],
                    HATCH_SENTINEL.filled(),
                )
            }))
            .map_err(boxed)?
            .label(messages.get("legend-strategic", &[]))
            .legend(|(x, y)| swatch(x, y, HATCH_SENTINEL));
        chart
            .draw_series(bins.iter().map(|(low, strategic, other)| {
                Rectangle::new(
                    [
                        (low + gap, 0.0),
                        (low + width - gap, (other + strategic) as f64),
                    ],
                    BLACK.stroke_width(1),
                )
            }))
            .map_err(boxed)?;
        legend(&mut chart)
    })
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
    let max_y = actual.iter().chain(expected).copied().fold(0.0, f64::max);
    let max_x = weeks.last().copied().unwrap_or(1.0).max(1.0);
    let (top, tick_values) = ticks(max_y * 1.05);
    chart(id, title, (640, 310), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_right(16)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..max_x, 0.0..top)
            .map_err(boxed)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RULE)
            .x_labels(8)
            .x_label_formatter(&|v| messages.number(*v, 0))
            .y_labels(tick_values.len())
            .y_label_formatter(&|v| compact(messages, *v))
            .x_desc(messages.get("chart-weeks", &[]))
            .y_desc(messages.get("chart-repeat-purchases", &[]))
            .label_style((FONT, 13).into_font().color(&INK))
            .axis_desc_style((FONT, 14).into_font().color(&INK))
            .axis_style(GREY)
            .draw()
            .map_err(boxed)?;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(calibration_weeks, 0.0), (calibration_weeks, top)],
                3,
                4,
                BLACK.stroke_width(1),
            ))
            .map_err(boxed)?;
        let (x, y) = chart.backend_coord(&(calibration_weeks, top));
        root.draw(&Text::new(
            messages.get("chart-calibration-end", &[]),
            (x + 5, y + 4),
            text_style(13.0, INK, (HPos::Left, VPos::Top)),
        ))
        .map_err(boxed)?;
        chart
            .draw_series(LineSeries::new(
                weeks.iter().copied().zip(actual.iter().copied()),
                BLUE.stroke_width(3),
            ))
            .map_err(boxed)?
            .label(messages.get("legend-actual", &[]))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE.stroke_width(3)));
        chart
            .draw_series(DashedLineSeries::new(
                weeks.iter().copied().zip(expected.iter().copied()),
                7,
                4,
                VERMILLION.stroke_width(2),
            ))
            .map_err(boxed)?
            .label(messages.get("legend-model", &[]))
            .legend(|(x, y)| {
                DashedPathElement::new(vec![(x, y), (x + 16, y)], 4, 2, VERMILLION.stroke_width(2))
            });
        legend(&mut chart)
    })
}

/// The Lorenz curve of revenue against the line of equality.
pub fn lorenz(id: &str, title: &str, messages: &Messages, points: &[[f64; 2]]) -> String {
    chart(id, title, (440, 360), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_right(18)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)
            .map_err(boxed)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RULE)
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|v| messages.percent(*v, 0))
            .y_label_formatter(&|v| messages.percent(*v, 0))
            .x_desc(messages.get("chart-share-customers", &[]))
            .y_desc(messages.get("chart-share-revenue", &[]))
            .label_style((FONT, 13).into_font().color(&INK))
            .axis_desc_style((FONT, 14).into_font().color(&INK))
            .axis_style(GREY)
            .draw()
            .map_err(boxed)?;
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p[0], p[1])),
                BLUE.stroke_width(3),
            ))
            .map_err(boxed)?
            .label(messages.get("legend-lorenz", &[]))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE.stroke_width(3)));
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, 0.0), (1.0, 1.0)],
                5,
                4,
                GREY.stroke_width(1),
            ))
            .map_err(boxed)?
            .label(messages.get("legend-equality", &[]))
            .legend(|(x, y)| {
                DashedPathElement::new(vec![(x, y), (x + 16, y)], 4, 2, GREY.stroke_width(1))
            });
        legend(&mut chart)
    })
}

/// Draws the markers of one quadrant at `points` (chart coordinates): colour and shape
/// differ by quadrant, so print and colour-blind readers can tell them apart. Elements
/// are concrete per quadrant (plotters' `DynElement` cannot be drawn on a borrowed backend).
fn quadrant_markers<DB: DrawingBackend, CT: CoordTranslate>(
    chart: &mut ChartContext<'_, DB, CT>,
    quadrant: usize,
    points: Vec<CT::From>,
) -> DrawResult
where
    CT::From: Clone + 'static,
    DB::ErrorType: 'static,
{
    let outline = BLACK.stroke_width(1);
    let drawn = match quadrant {
        0 => chart.draw_series(points.into_iter().map(|at| {
            EmptyElement::at(at)
                + Circle::new((0, 0), 4, VERMILLION.filled())
                + Circle::new((0, 0), 4, outline)
        })),
        1 => chart.draw_series(points.into_iter().map(|at| {
            EmptyElement::at(at)
                + Rectangle::new([(-3, -3), (3, 3)], PURPLE.filled())
                + Rectangle::new([(-3, -3), (3, 3)], outline)
        })),
        2 => chart.draw_series(points.into_iter().map(|at| {
            // plotters fills triangle markers whatever the style, so no black outline here.
            EmptyElement::at(at) + TriangleMarker::new((0, 0), 5, GREEN.filled())
        })),
        _ => chart.draw_series(
            points
                .into_iter()
                .map(|at| EmptyElement::at(at) + Cross::new((0, 0), 3, SKY.stroke_width(2))),
        ),
    };
    drawn.map(|_| ()).map_err(boxed)
}

/// One quadrant's marker at a pixel position, for the legend.
fn legend_marker(root: &Area<'_>, quadrant: usize, at: (i32, i32)) -> DrawResult {
    let outline = BLACK.stroke_width(1);
    let drawn = match quadrant {
        0 => root.draw(
            &(EmptyElement::at(at)
                + Circle::new((0, 0), 4, VERMILLION.filled())
                + Circle::new((0, 0), 4, outline)),
        ),
        1 => root.draw(
            &(EmptyElement::at(at)
                + Rectangle::new([(-3, -3), (3, 3)], PURPLE.filled())
                + Rectangle::new([(-3, -3), (3, 3)], outline)),
        ),
        2 => root.draw(&(EmptyElement::at(at) + TriangleMarker::new((0, 0), 5, GREEN.filled()))),
        _ => root.draw(&(EmptyElement::at(at) + Cross::new((0, 0), 3, SKY.stroke_width(2)))),
    };
    drawn.map_err(boxed)
}

/// The quadrant map: fit (x) against reputation (y), thresholds drawn.
pub fn quadrant_map(
    id: &str,
    title: &str,
    messages: &Messages,
    points: &[(f64, f64, usize)],
    thresholds: (f64, f64),
    legend_labels: [&str; 4],
) -> String {
    chart(id, title, (540, 480), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_top(32)
            .margin_right(18)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)
            .map_err(boxed)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RULE)
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|v| messages.number(*v, 2))
            .y_label_formatter(&|v| messages.number(*v, 2))
            .x_desc(messages.get("chart-fit", &[]))
            .y_desc(messages.get("chart-reputation", &[]))
            .label_style((FONT, 13).into_font().color(&INK))
            .axis_desc_style((FONT, 14).into_font().color(&INK))
            .axis_style(GREY)
            .draw()
            .map_err(boxed)?;
        for line in [
            vec![(thresholds.0, 0.0), (thresholds.0, 1.0)],
            vec![(0.0, thresholds.1), (1.0, thresholds.1)],
        ] {
            chart
                .draw_series(DashedLineSeries::new(line, 5, 3, BLACK.stroke_width(1)))
                .map_err(boxed)?;
        }
        // Quadrants drawn last-to-first, so strategic customers end on top.
        for quadrant in (0..4).rev() {
            let coordinates: Vec<(f64, f64)> = points
                .iter()
                .filter(|p| p.2 == quadrant)
                .map(|&(fit, reputation, _)| (fit.clamp(0.0, 1.0), reputation.clamp(0.0, 1.0)))
                .collect();
            quadrant_markers(&mut chart, quadrant, coordinates)?;
        }
        // The legend, in one row above the plotting area (markers drawn in pixels).
        let mut x = 70;
        for (quadrant, label) in legend_labels.iter().enumerate() {
            legend_marker(root, quadrant, (x, 16))?;
            root.draw(&Text::new(
                label.to_string(),
                (x + 9, 16),
                text_style(14.0, INK, (HPos::Left, VPos::Center)),
            ))
            .map_err(boxed)?;
            x += 30 + 7 * label.chars().count() as i32;
        }
        Ok(())
    })
}

/// Columns, e.g. equity now and after the buy-out; `hatched` columns are drawn hatched.
pub fn columns(
    id: &str,
    title: &str,
    messages: &Messages,
    rows: &[(String, f64, bool)],
    value_label: &dyn Fn(f64) -> String,
) -> String {
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    let (top, tick_values) = ticks(max * 1.15);
    let n = rows.len().max(1);
    chart(id, title, (640, 310), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_right(16)
            .x_label_area_size(30)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..n as f64, 0.0..top)
            .map_err(boxed)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RULE)
            .x_labels(1)
            .x_label_formatter(&|_| String::new())
            .y_labels(tick_values.len())
            .y_label_formatter(&|v| compact(messages, *v))
            .y_desc(messages.get("chart-equity", &[]))
            .label_style((FONT, 14).into_font().color(&INK))
            .axis_desc_style((FONT, 14).into_font().color(&INK))
            .axis_style(GREY)
            .draw()
            .map_err(boxed)?;
        for (k, (label, value, hatched)) in rows.iter().enumerate() {
            let (left, right) = (k as f64 + 0.2, k as f64 + 0.8);
            category_label(
                root,
                &chart,
                label,
                (k as f64 + 0.5, 0.0),
                (HPos::Center, VPos::Top),
            )?;
            let fill = if *hatched { HATCH_SENTINEL } else { BLUE };
            let value = value.max(0.0);
            chart
                .draw_series([
                    Rectangle::new([(left, 0.0), (right, value)], fill.filled()),
                    Rectangle::new([(left, 0.0), (right, value)], BLACK.stroke_width(1)),
                ])
                .map_err(boxed)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    value_label(value),
                    (k as f64 + 0.5, value),
                    text_style(14.0, INK, (HPos::Center, VPos::Bottom)),
                )))
                .map_err(boxed)?;
        }
        Ok(())
    })
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

    /// The contents of every `<text>` element, trimmed.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|rest| {
                let start = rest.find('>')? + 1;
                let end = rest.find("</text>")?;
                Some(rest[start..end].trim().to_string())
            })
            .collect()
    }

    #[test]
    fn charts_carry_title_hatching_and_localised_axes() {
        use bellwether_i18n::Locale;
        let messages = Messages::new(Locale::Fr).unwrap();
        let bins: Vec<(f64, usize, usize)> =
            (0..10).map(|k| (k as f64 / 10.0, k * 3, 40 - k)).collect();
        let svg = p_alive_histogram("p-alive", "Clients <actifs>", &messages, &bins);
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert_eq!(
            svg.matches("<svg").count(),
            1,
            "plotters' own <svg> is unwrapped"
        );
        assert!(svg.contains(r#"data-chart="p-alive""#));
        assert!(svg.contains("<title id=\"p-alive-title\">Clients &lt;actifs&gt;</title>"));
        // Strategic customers are hatched: the reserved colour is gone, the pattern is used.
        assert!(!svg.contains("#010203"));
        assert!(svg.contains("url(#p-alive-hatch)"));
        // French decimal comma on the P(alive) axis (0,5), never a decimal point.
        let texts = texts(&svg);
        assert!(texts.iter().any(|t| t == "0,5"), "{texts:?}");
        assert!(!texts.iter().any(|t| t == "0.5"));
        // Nothing outside the document: the SVG namespace is the only URL.
        assert!(!svg
            .replace("http://www.w3.org/2000/svg", "")
            .contains("http"));
    }

    #[test]
    fn quadrant_markers_differ_by_shape() {
        use bellwether_i18n::Locale;
        let messages = Messages::new(Locale::En).unwrap();
        let points = [(0.8, 0.9, 0), (0.2, 0.9, 1), (0.8, 0.1, 2), (0.1, 0.1, 3)];
        let svg = quadrant_map(
            "quadrants",
            "Map",
            &messages,
            &points,
            (0.6, 0.6),
            ["Strategic", "Showcase", "Representative", "Transactional"],
        );
        // Circles for strategic, rectangles, triangles (polygons) and crosses (lines),
        // each in its own Okabe-Ito colour, on the chart and in the legend.
        assert!(svg.matches("<circle").count() >= 2);
        for colour in ["#D55E00", "#CC79A7", "#009E73", "#56B4E9"] {
            assert!(svg.matches(colour).count() >= 2, "{colour}");
        }
        assert!(svg.contains("<polygon") || svg.contains("<polyline"));
        let texts = texts(&svg);
        for label in ["Strategic", "Showcase", "Representative", "Transactional"] {
            assert!(texts.iter().any(|t| t == label), "{label}");
        }
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("<a & 'b'>"), "&lt;a &amp; &#39;b&#39;&gt;");
    }
}
