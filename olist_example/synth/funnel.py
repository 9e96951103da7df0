"""The marketing funnel: marketing-qualified leads and the deals closed from them.

Leads are streamed; exactly ``n_deals`` of them are selected on the fly (selection sampling,
Knuth's algorithm S) and their deal rows are written at the same time, so every deal's mql_id is
a lead.  About ``DEAL_SELLER_KNOWN`` of the deals name a seller of the sellers file (distinct
sellers, visited along a random stride so nothing is remembered); the others name prospects that
never sold.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random

from . import profile
from .catalog import Catalog
from .kaggle_csv import CsvSink
from .sampling import Discrete, Quantiles, day_number, format_date, format_ts, hashed_id, rate, skewed_index


def _stride(n: int, rng: random.Random) -> tuple[int, int]:
    """(start, step) with gcd(step, n) == 1: ``(start + k*step) % n`` visits 0..n-1 once each."""
    if n <= 1:
        return 0, 1
    step = rng.randrange(1, n)
    while math.gcd(step, n) != 1:
        step = step % (n - 1) + 1
    return rng.randrange(n), step


def landing_page_skew() -> float:
    """Power giving the most used landing page its measured share of the leads."""
    pages, top, leads = profile.LANDING_PAGES
    share = top / leads
    return math.log(1.0 / pages) / math.log(share) if 0 < share < 1 and pages > 1 else 1.0


def write_funnel(seed: int, n_leads: int, n_deals: int, catalog: Catalog, sellers_in_file: int,
                 leads_sink: CsvSink, deals_sink: CsvSink, scale: float) -> None:
    """Write both funnel files."""
    rng = random.Random(f"{seed}:funnel")
    r = rng.random
    months = Discrete((m, float(n)) for m, n in profile.LEAD_MONTH_COUNTS)
    origins = Discrete((o, float(n)) for o, n in profile.LEAD_ORIGINS)
    n_pages = max(1, round(profile.LANDING_PAGES[0] * scale))
    page_skew = landing_page_skew()
    won_delay = Quantiles(profile.PCTS, profile.WON_DELAY_DAYS)
    known_rate = rate(profile.DEAL_SELLER_KNOWN)
    columns = [Discrete((v, float(n)) for v, n in table) for table in (
        profile.DEAL_BUSINESS_SEGMENT, profile.DEAL_LEAD_TYPE, profile.DEAL_LEAD_BEHAVIOUR_PROFILE,
        profile.DEAL_HAS_COMPANY, profile.DEAL_HAS_GTIN, profile.DEAL_AVERAGE_STOCK,
        profile.DEAL_BUSINESS_TYPE, profile.DEAL_DECLARED_PRODUCT_CATALOG_SIZE,
        profile.DEAL_DECLARED_MONTHLY_REVENUE)]
    start, step = _stride(sellers_in_file, rng)
    known = prospects = selected = 0
    n_deals = min(n_deals, n_leads)
    for i in range(n_leads):
        mql_id = "%032x" % rng.getrandbits(128)
        year, month = (int(x) for x in months.at(r()).split("-"))
        day = day_number(dt.date(year, month, 1)) + int(r() * calendar.monthrange(year, month)[1])
        page = skewed_index(n_pages, r(), page_skew)
        leads_sink.write((mql_id, format_date(day), hashed_id(f"{seed}:landing_page:{page}"), origins.at(r())))
        if r() * (n_leads - i) >= n_deals - selected:
            continue
        selected += 1
        if known < sellers_in_file and r() < known_rate:
            seller_id = catalog.seller_id((start + known * step) % sellers_in_file)
            known += 1
        else:
            seller_id = hashed_id(f"{seed}:prospect:{prospects}")
            prospects += 1
        sdr = hashed_id(f"{seed}:sdr:{skewed_index(profile.SDR_COUNT, r(), 1.5)}")
        sr = hashed_id(f"{seed}:sr:{skewed_index(profile.SR_COUNT, r(), 1.5)}")
        won = day * 86400 + int(won_delay.at(r()) * 86400)
        deals_sink.write((mql_id, seller_id, sdr, sr, format_ts(won), *(c.at(r()) for c in columns)))
