"""Phrases the sample data builds its comments, reviews and notes from.

Each group is one theme and polarity. Negative and positive theme phrases carry the
keywords of the default voice taxonomy (late, slow, delay, damaged, price, quality,
support, easy, return, tracking, ...); the "positive" and "neutral" groups carry none,
so a theme count only moves when the generator means it to.
"""

from __future__ import annotations

GROUPS: dict[str, tuple[str, ...]] = {
    "positive": (
        "Great product, arrived on time.",
        "Everything arrived on time, very happy.",
        "Exactly what we ordered. Will order again.",
        "Smooth order from start to finish.",
        "Fast and reliable, thank you!",
        "Arrived early and works perfectly.",
        "Good experience overall.",
    ),
    "neutral": (
        "It was fine.",
        "Does the job.",
        "Okay overall, nothing special.",
        "As described.",
        "No complaints.",
        "Average experience.",
    ),
    "quality_pos": (
        "Really well made, feels solid.",
        "Excellent quality for daily use.",
        "Well made and arrived on time.",
    ),
    "support_pos": (
        "The support agent was very helpful.",
        "Customer service sorted my question in minutes.",
        "Helpful team, quick answers.",
    ),
    "ease_pos": (
        "Easy to order and easy to set up.",
        "The app is intuitive and quick.",
        "Setup was easy, instructions clear.",
    ),
    "price_pos": (
        "Fair price for what you get.",
        "Good price compared to other shops.",
        "Cheap and cheerful, does the job.",
    ),
    "comms_pos": (
        "Tracking was clear all the way.",
        "Got notified by email the moment it shipped.",
    ),
    "delivery_neg": (
        "Delivery was late again.",
        "Very slow shipping, took ages to arrive.",
        "Order was delayed by almost a week.",
        "Still waiting for my package.",
        "Arrived late and nobody told us why.",
        "The delay ruined our plans.",
        "Slow delivery, expected it days ago.",
        "Package took ages, late for the third time.",
    ),
    "damaged_neg": (
        "Box arrived crushed and the item damaged.",
        "Item was broken on arrival.",
        "Damaged packaging, one piece broken.",
        "Parts arrived damaged.",
    ),
    "price_neg": (
        "Too expensive for what it is.",
        "Overpriced compared to competitors.",
        "The price went up again.",
        "Price is hard to justify.",
    ),
    "quality_neg": (
        "Poor quality, feels flimsy.",
        "Defective unit, stopped working after a week.",
        "Quality has dropped lately.",
        "Flimsy build, not what we expected.",
    ),
    "support_neg": (
        "Support never answered my question.",
        "Customer service was rude.",
        "Waited an hour to reach an agent.",
        "Support agent could not solve the issue.",
    ),
    "ease_neg": (
        "The checkout is confusing.",
        "Confusing instructions, gave up on setup.",
        "App is confusing and not easy to use.",
    ),
    "returns_neg": (
        "Return process is a nightmare.",
        "Still no refund after three weeks.",
        "Asked for an exchange, nothing happened.",
        "Refund took far too long.",
    ),
    "comms_neg": (
        "Tracking never moved.",
        "No email, no update, nothing.",
        "Was never notified about the change.",
        "Tracking page shows nothing useful.",
    ),
}
GROUP_NAMES: tuple[str, ...] = tuple(GROUPS)

# Which groups a text is drawn from, by the writer's mood (probabilities per group, in GROUP_NAMES order
# given as a sparse dict). "late" is a customer whose order came late and who is not delighted anyway.
MOOD_GROUPS: dict[str, dict[str, float]] = {
    "good": {"positive": 0.45, "quality_pos": 0.15, "support_pos": 0.1, "ease_pos": 0.15, "price_pos": 0.05,
             "comms_pos": 0.1},
    "neutral": {"neutral": 0.35, "price_neg": 0.15, "comms_neg": 0.1, "ease_neg": 0.1, "delivery_neg": 0.1,
                "quality_pos": 0.05, "ease_pos": 0.05, "returns_neg": 0.05, "comms_pos": 0.05},
    "bad": {"delivery_neg": 0.1, "damaged_neg": 0.15, "price_neg": 0.1, "quality_neg": 0.2, "support_neg": 0.15,
            "ease_neg": 0.1, "returns_neg": 0.1, "comms_neg": 0.1},
    "late": {"delivery_neg": 0.75, "comms_neg": 0.15, "support_neg": 0.1},
}  # fmt: skip

# Notes are written by staff about what they heard: a prefix, then the customer's words.
SUPPORT_PREFIXES: tuple[str, ...] = ("Call: ", "Ticket: ", "Chat: ", "Voicemail: ")
SALES_PREFIXES: tuple[str, ...] = ("Account review: ", "Renewal call: ", "Quarterly check-in: ", "Site visit: ")
SUPPORT_AUTHORS: tuple[str, ...] = ("Dana Reyes (support)", "Sam Okafor (support)", "Lee Chen (support)")
SALES_AUTHORS: tuple[str, ...] = ("Maria Lopez (sales)", "Tom Berg (sales)", "Priya Nair (sales)")
