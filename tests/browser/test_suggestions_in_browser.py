"""An editor decides a "maybe the same story" suggestion on the tip page, in headless Chromium.

The suggestion is stored directly between two demo tips no other browser test uses
(the shared demo board stays as the other tests expect it).
"""
from __future__ import annotations

from inbox.models import Cluster, ClusterSuggestion
from tests.browser.harness import login, swapped

LAYOFFS = "<warn-notice-88@example.org>"
CASELOAD = "<caseload-crisis-07@example.com>"


def test_editor_clicks_same_story_and_the_tips_share_a_cluster(page, board):
    first, second = board.tip_id(LAYOFFS), board.tip_id(CASELOAD)
    with board.demo.sessions() as s, s.begin():
        row = ClusterSuggestion(tip_id=second, other_tip_id=first, similarity=0.41)
        s.add(row)
        s.flush()
        suggestion_id = row.id
    login(page, board, "editor")
    page.goto("/?per=100")  # every demo tip on one page
    assert page.locator(f"article.card[data-tip-id='{second}'] .card-suggested").count() == 1
    page.goto(f"/tips/{second}")
    item = page.locator(f"#suggestions li.suggestion[data-suggestion-id='{suggestion_id}']")
    assert item.locator(".suggestion-similarity").inner_text() == "41%"
    with swapped(page):
        item.locator("button.suggestion-accept").click()
    assert "accepted" in page.locator(".flash").first.inner_text()
    assert page.locator("#suggestions li.suggestion").count() == 0
    assert page.locator(f"#cluster a[href='/tips/{first}']").count() == 1
    a, b = board.tip(first), board.tip(second)
    assert a.cluster_id is not None and a.cluster_id == b.cluster_id
    with board.demo.sessions() as s:
        assert s.get(ClusterSuggestion, suggestion_id).status == "accepted"
        assert s.get(Cluster, a.cluster_id).size == 2
    assert page.watch.scripts_that_ran(page) == [] and page.watch.foreign_requests() == []
