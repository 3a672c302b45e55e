"""Referrals (ارجاع): the instructions a referral may carry and the events on it (client and server)."""

from __future__ import annotations

# The default list; a server may configure its own (``referral_instructions``) and sends it with the cartable.
# «جهت استحضار»: what a letter referred up to a superior says (a subordinate is referred «برای اطلاع»)
DEFAULT_INSTRUCTIONS = ("برای اقدام", "برای اطلاع", "جهت استحضار", "جهت بررسی و اظهارنظر", "جهت امضا", "جهت پیگیری",
                        "جهت بایگانی")
EVENT_KINDS = ("read", "answer", "close", "recall")
MAX_RECIPIENTS = 50
MAX_POSTSCRIPT = 2000
MAX_INSTRUCTION = 100
