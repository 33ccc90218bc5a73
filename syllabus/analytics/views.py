"""Turning series and summaries into their API shapes (and CSV rows for the admin's download)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from syllabus.analytics.schemas import MoneyOut, PointOut, SeriesOut, SummaryOut
from syllabus.analytics.series import Series, Summary


def series_out(series: Series) -> SeriesOut:
    return SeriesOut(
        metric=series.metric,
        period=series.period,
        points=[PointOut(date=p.date, value=p.value) for p in series.points],
        currency=series.currency,
        other_currencies={
            code: [PointOut(date=p.date, value=p.value) for p in points]
            for code, points in series.other_currencies.items()
        },
    )


def summary_out(summary: Summary) -> SummaryOut:
    return SummaryOut(
        users=summary.users,
        instructors=summary.instructors,
        courses=summary.courses,
        enrollments=summary.enrollments,
        pending_reviews=summary.pending_reviews,
        revenue=[MoneyOut(amount=m.amount, currency=m.currency) for m in summary.revenue],
        refunds=[MoneyOut(amount=m.amount, currency=m.currency) for m in summary.refunds],
    )


def series_csv(all_series: Sequence[SeriesOut]) -> str:
    """One row per point: date, then each series' value (money in minor units, currency named)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["date"]
    for series in all_series:
        header.append(
            f"{series.metric}_{series.currency}_minor" if series.currency else series.metric
        )
    writer.writerow(header)
    if all_series:
        for index, point in enumerate(all_series[0].points):
            writer.writerow([point.date, *(series.points[index].value for series in all_series)])
    return buffer.getvalue()
