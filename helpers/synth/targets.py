"""Planted figures and population shares of the sample enterprise (``docs/sample_truth.md``).

One place for every number the generator plants, so the ground truth and the behaviour that
produces it cannot drift apart.
"""
from __future__ import annotations

# size at scale 1.0
MEMBERS_AT_SCALE_1 = 110_000
DAU_AT_SCALE_1 = 32_000
CHATS_AT_SCALE_1 = 300
MIN_CHATS = 50
ORDER_HISTORY_DAYS = 365

# populations (multiples of the number of community members N)
OUTSIDE_BUYERS = 0.5
ZENDESK_ONLY = 0.05
LEAD_ONLY_PROSPECTS = 0.10
MEMBER_CONTACT_SHARE = 0.60
MEMBER_ZENDESK_SHARE = 0.30
OUTSIDE_BUYER_ZENDESK_SHARE = 0.20
COMMUNITY_LEADS = 0.15          # community leads created over the 75 days, per member

# identifier presence per source
WECOM_PHONE = 0.85
ZENDESK_EMAIL, ZENDESK_PHONE = 0.90, 0.70
CONTACT_EMAIL, CONTACT_PHONE = 0.95, 0.80
LEAD_EMAIL, LEAD_PHONE = 0.85, 0.90
CONTACT_BIRTHDATE = 0.88

# attributes
AGE_18_25_SHARE = 0.43
TIER3_MEMBER_SHARE = 0.28
TIER_WEIGHTS = {1: 0.22, 2: 0.33, 3: 0.28, 4: 0.11, 5: 0.06}

# activity
CORE_SHARE = 0.18
CORE_MIN_DAYS = 15
CORE_P = (0.70, 0.90)
REST_P = (0.05, 0.30)
CONSENT = {"agree": 0.93, "disagree": 0.03, "none": 0.04}

# content
INTERACTION_18_25 = {"skin_update": 0.12, "guide": 0.38, "promotion": 0.15, "news": 0.18, "event": 0.22}
INTERACTION_OTHER = {"skin_update": 0.22, "guide": 0.30, "promotion": 0.15, "news": 0.18, "event": 0.25}

# journeys
BOUNCE_PRE = 0.32
BOUNCE_TEST_TREATMENT = 0.18
BOUNCE_TEST_CONTROL = 0.32

# purchases
RFM_R5_SHARE = 0.20
RFM_R5_REPURCHASE = 0.78
RFM_R5_PARTICIPATION = 0.35

# support desk
SIGNOFF_TICKET_SHARE = 0.38
MEAN_RESOLUTION_HOURS = 72.0
SIGNOFF_TIME_SHARE = 0.22
TIER3_LOGISTICS_SHARE = 0.68
TIER3_SIGNOFF_SHARE = 0.45       # of tier-3 tickets; the rest of their logistics is delivery_delay
TIER3_LOGISTICS_HOURS = 48.0
NON_TIER3_DELAY_HOURS = 55.0
STALE_METRIC_SHARE = 0.003
DESCRIPTION_PII_SHARE = 0.05
CHAT_PHONE_SHARE = 0.01

# leads
COMMUNITY_CONVERSION = 0.12
OTHER_CONVERSION = 0.20
CONVERSION_WINDOW_DAYS = 30

# experiments
OPEN_RATE_BASE = 0.20
OPEN_RATE_TREATMENT = 0.26
OPEN_WINDOW_HOURS = 72
ACTIVITY_PROGRAMME_PRE = 0.15
ACTIVITY_PROGRAMME_TREATMENT = 0.35
ACTIVITY_PROGRAMME_CONTROL = 0.16
PROGRAMME_CHAT_SHARE = 0.20
PROGRAMME_MIN_CHATS = 10
CONTAMINATION_SHARE = 0.03
