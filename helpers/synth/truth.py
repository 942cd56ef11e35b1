"""``ground_truth.json``: planted figures with their definitions, what the generated data realizes,
identity overlaps, experiment effects, the case study and the row counts per file kind."""
from __future__ import annotations

from helpers.synth import targets as T
from helpers.synth.experiments import planted_effects

DEFINITIONS = {
    "active": "A community member is active on a local day when they sent at least one archived customer message "
              "or have a post, comment or like tracking event that day.",
    "dau_pre_mean": "Mean over the 30 pre-period days of the number of distinct active community members.",
    "core": "A core member is a community member active on at least 15 of the 30 pre-period days; core_share divides "
            "by all community members (everyone in a customer group chat at the study start).",
    "age_18_25_share": "Share aged 18-25 (full years at the study start) among Salesforce Contacts with a Birthdate.",
    "interaction_rate": "Like, comment and share events divided by post_view events, by content type, over the 75 days; "
                        "the 18-25 figure covers members whose stitched record has age band 18-25.",
    "rfm": "RFM at as_of = start on orders before it: recency_days = days from the last order's local date; r = 5 are "
           "the most recent buyers (last order 1-30 days before the start, about 20%); repurchase = an order in the "
           "pre-period; participation = active at least once in the pre-period (stitched WeCom member).",
    "tier3_member_share": "Share of community members whose city has city_tier 3 in data/reference/cities.csv.",
    "tier3_logistics": "Among tickets created in the pre-period by requesters in tier-3 cities: share with category "
                       "signoff_exception or delivery_delay, and the mean full resolution hours of those tickets.",
    "itinerary_bounce": "Share of itinerary_consult page views that are the member's last tracked event for 30 minutes "
                        "(the end of the session), by period and, in the test period, by nav_fix arm.",
    "full_resolution_hours": "Last solved time minus created time in calendar hours, over solved tickets created in "
                             "the pre-period; signoff_time_share is signoff_exception's share of the summed hours.",
    "signoff_ticket_share": "Share of tickets created in the pre-period whose Category is signoff_exception.",
    "prospect_conversion_rate": "Of Leads with LeadSource 'WeCom Community' created in the pre-period, the share with "
                                "ConvertedDate (local midnight) at most 30 days after CreatedDate.",
    "open_rate": "Delivered (status 1) member-targeted mass-message sends whose link the member opened (link_open "
                 "with that utm_campaign) within 72 hours of send_time, by period of the send and, in the test "
                 "period, by broadcast_personalization arm.",
    "community_activity": "Active members / current members summed over days and programme chats of one arm and "
                          "period; a member is current on a day when in the chat for the whole day, and active in a "
                          "chat when the message or the post/comment/like event carries that chat.",
    "stitched_members_expected": "Connected components of the person records of WeCom contacts, Zendesk end users and "
                                 "Salesforce Contacts and Leads, linked by normalized phone (last 11 digits), "
                                 "trimmed lower-case e-mail, or a Lead's ConvertedContactId.",
}


def figures(scale: float) -> dict:
    return {
        "dau_pre_mean": T.DAU_AT_SCALE_1 * scale, "core_share": T.CORE_SHARE, "age_18_25_share": T.AGE_18_25_SHARE,
        "interaction_rate_18_25": {"skin_update": T.INTERACTION_18_25["skin_update"], "guide": T.INTERACTION_18_25["guide"]},
        "interaction_rate_other": {"skin_update": T.INTERACTION_OTHER["skin_update"], "guide": T.INTERACTION_OTHER["guide"]},
        "rfm_r5_repurchase_rate": T.RFM_R5_REPURCHASE, "rfm_r5_participation_rate": T.RFM_R5_PARTICIPATION,
        "tier3_member_share": T.TIER3_MEMBER_SHARE, "tier3_logistics_share": T.TIER3_LOGISTICS_SHARE,
        "tier3_logistics_mean_resolution_hours": T.TIER3_LOGISTICS_HOURS,
        "itinerary_bounce": {"pre": T.BOUNCE_PRE, "test_treatment": T.BOUNCE_TEST_TREATMENT,
                             "test_control": T.BOUNCE_TEST_CONTROL},
        "mean_resolution_hours": T.MEAN_RESOLUTION_HOURS, "signoff_ticket_share": T.SIGNOFF_TICKET_SHARE,
        "signoff_time_share": T.SIGNOFF_TIME_SHARE, "prospect_conversion_rate": T.COMMUNITY_CONVERSION,
        "open_rate": {"pre": T.OPEN_RATE_BASE, "test_control": T.OPEN_RATE_BASE, "test_treatment": T.OPEN_RATE_TREATMENT},
        "community_activity": {"pre": T.ACTIVITY_PROGRAMME_PRE, "test_treatment": T.ACTIVITY_PROGRAMME_TREATMENT,
                               "test_control": T.ACTIVITY_PROGRAMME_CONTROL},
    }


def _round(x, nd: int = 6):
    if isinstance(x, dict):
        return {k: _round(v, nd) for k, v in x.items()}
    if isinstance(x, float):
        return round(x, nd)
    return x


def assemble(*, seed: int, scale: float, clock, realized: dict, identity: dict, case: dict, counts: dict,
             extra: dict) -> dict:
    tl = clock.timeline
    fig = figures(scale)
    for key, value in realized.items():
        fig[f"{key}_realized"] = value
    return _round({
        "seed": seed, "scale": scale, "start": str(tl.start),
        "timeline": {"tz": tl.tz, **{p: [getattr(tl, p)[0].isoformat(), getattr(tl, p)[1].isoformat()]
                                     for p in ("pre", "design", "test")}},
        "definitions": DEFINITIONS,
        "figures": fig,
        "identity": identity,
        "experiments": extra.get("experiments", planted_effects()),
        "case_study": case,
        "population": extra.get("population", {}),
        "counts": dict(sorted(counts.items())),
    })
