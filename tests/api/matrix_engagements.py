"""Engagements and bookings: the owner, the posting organisation (partner_x) and everyone else.

An engagement is known only to its owner and to the organisation that posted the opportunity
(404 for the rest; 403 when the one who knows it may not make that change). Taking part is for
staff (403 for other roles, whatever the opportunity).
"""

from tests.api.matrix import Case, everyone

NOT_STAFF = {"partner_x": 403, "partner_y": 403, "coordinator": 403, "admin": 403}
# An engagement's owner is staff_a and its opportunity is org X's.
OWNER_ONLY = everyone(404, staff_a=200, partner_x=403)
ORGANISATION_ONLY = everyone(404, staff_a=403, partner_x=200)

CASES = [
    # Engagements: the staff member's side
    Case("list_my_engagements", path=lambda w: "/engagements", expect=everyone(200, **NOT_STAFF)),
    Case(
        "list_my_engagements",
        path=lambda w: "/engagements?state=applied&kind=project",
        expect=everyone(200, **NOT_STAFF),
    ),
    Case(
        "express_interest",
        path=lambda w: f"/opportunities/{w.opp_x.id}/interest",
        expect=everyone(201, staff_a=409, **NOT_STAFF),
    ),
    Case(
        "express_interest",
        path=lambda w: f"/opportunities/{w.draft_x.id}/interest",
        expect=everyone(404, **NOT_STAFF),
    ),
    Case(
        "express_interest",
        path=lambda w: f"/opportunities/{w.teaching_x.id}/interest",
        expect=everyone(409, **NOT_STAFF),
    ),
    Case(
        "apply_for_opportunity",
        path=lambda w: f"/opportunities/{w.opp_x.id}/applications",
        body=lambda w: {"message": "I trained in Sylhet and teach neonatal resuscitation."},
        expect=everyone(201, staff_a=409, **NOT_STAFF),
    ),
    Case(
        "withdraw_engagement",
        path=lambda w: f"/engagements/{w.engagement_a.id}/withdraw",
        expect=OWNER_ONLY,
    ),
    # Both sides
    Case(
        "get_engagement",
        path=lambda w: f"/engagements/{w.engagement_a.id}",
        expect=everyone(404, staff_a=200, partner_x=200),
    ),
    # The organisation's side
    Case(
        "list_opportunity_engagements",
        path=lambda w: f"/opportunities/{w.opp_x.id}/engagements",
        expect=everyone(403, partner_x=200),
    ),
    Case(
        "list_opportunity_engagements",
        path=lambda w: f"/opportunities/{w.draft_x.id}/engagements?state=applied",
        expect=everyone(404, partner_x=200, admin=403),  # admins see drafts, do not manage them
    ),
    Case(
        "decide_engagement",
        path=lambda w: f"/engagements/{w.engagement_a.id}/decision",
        body=lambda w: {"decision": "accept", "decision_message": "Welcome"},
        expect=ORGANISATION_ONLY,
    ),
    Case(
        "progress_engagement",
        path=lambda w: f"/engagements/{w.engagement_a.id}/progress",
        body=lambda w: {"state": "active"},
        expect=everyone(404, staff_a=403, partner_x=409),  # applied cannot become active
    ),
    Case(
        "cancel_engagement",
        path=lambda w: f"/engagements/{w.engagement_a.id}/cancel",
        body=lambda w: {"reason": "The project is postponed."},
        expect=everyone(404, staff_a=403, partner_x=409),  # an application is declined instead
    ),
    # Bookings
    Case("list_my_bookings", path=lambda w: "/bookings", expect=everyone(200)),
    Case(
        "book_session",
        path=lambda w: f"/sessions/{w.session_x.id}/bookings",
        body=lambda w: {},
        expect=everyone(201, staff_a=409, **NOT_STAFF),
    ),
    Case(
        "book_session",
        path=lambda w: f"/sessions/{w.session_x.id}/bookings",
        body=lambda w: {"join_waiting_list": True},
        expect=everyone(201, staff_a=409, **NOT_STAFF),
    ),
    Case(
        "cancel_booking",
        path=lambda w: f"/bookings/{w.booking_a.id}",
        expect=everyone(404, staff_a=204, partner_x=403),
    ),
    Case(
        "list_session_bookings",
        path=lambda w: f"/sessions/{w.session_x.id}/bookings",
        expect=everyone(403, partner_x=200),
    ),
]
