"""The Python side of the mdports GitHub Action (``action.yml``); standard library only.

The action's steps call it as ``python helper.py COMMAND``; it never evaluates anything a pull
request controls, and takes its values from the environment the step sets:

- ``split-args``: ``$MDPORTS_ARGS`` split like a shell does (quotes allowed, nothing expanded),
  printed NUL-separated for bash's ``mapfile -d ''``.
- ``count FILE``: the ``findings``, ``errors`` and ``warnings`` outputs, from the check's
  ``--format json`` output (nothing when it holds an error instead of a report).
- ``comment FILE``: post FILE as the pull request's one mdports comment, or update the one it
  posted before (found by its hidden marker, among bot comments only). ``$CHANGED`` says whether
  the registry changed: without changes and without an earlier comment, nothing is posted.
- ``review FILE``: post FILE (``mdports diff --format github-review``) as a pull request review
  with suggestions, replacing the review it posted before: the earlier one's line comments are
  deleted and its body says it was superseded (GitHub keeps a submitted review).
- ``drift-pull-request DIFF FIX``: after ``drift --fix document`` pushed ``$MDPORTS_BRANCH``, open
  (or update) the one pull request from that branch into ``$MDPORTS_BASE_BRANCH``; its body is
  the diff comment DIFF and what the fix could not do (from its JSON output FIX). With
  ``$CHANGED`` false nothing drifts: the open pull request from the branch is closed.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

MARKER = "<!-- mdports:diff -->"
REVIEW_MARKER = "<!-- mdports:review -->"
SUPERSEDED = "<!-- mdports:review-superseded -->\nSuperseded by a later mdports review."
DRIFT_MARKER = "<!-- mdports:drift -->"


def split_args() -> None:
    try:
        args = shlex.split(os.environ.get("MDPORTS_ARGS", ""))
    except ValueError as error:
        sys.exit(f"::error title=mdports::the args input cannot be split: {error}")
    sys.stdout.write("".join(arg + "\0" for arg in args))


def count(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    reports = data if isinstance(data, list) else [data]
    if not all(isinstance(report, dict) and "summary" in report for report in reports):
        return  # an error object: the step prints the error itself
    totals = {key: sum(report["summary"][key] for report in reports) for key in ("errors", "warnings", "infos")}
    print(f"findings={sum(totals.values())}")
    print(f"errors={totals['errors']}")
    print(f"warnings={totals['warnings']}")


class GitHub:
    """The few REST calls the comment needs, with the step's token."""

    def __init__(self, api: str, token: str) -> None:
        self.api = api.rstrip("/")
        self.headers = {
            "Authorization": "Bearer " + token,
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "Content-Type": "application/json",
        }

    def call(self, method: str, url: str, payload: dict[str, Any] | None = None) -> tuple[Any, str]:
        """The decoded JSON answer and the ``Link`` header (pagination)."""
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method, headers=self.headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = response.read()  # empty for 204 No Content (a deleted comment)
            return (json.loads(answer) if answer else None), response.headers.get("Link") or ""

    def comments(self, repository: str, number: int) -> Iterator[dict[str, Any]]:
        """Every comment of an issue or pull request, page by page."""
        url: str | None = f"{self.api}/repos/{repository}/issues/{number}/comments?per_page=100"
        while url:
            page, link = self.call("GET", url)
            yield from page
            url = next((part.split(";")[0].strip()[1:-1] for part in link.split(",") if 'rel="next"' in part), None)


def comment(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        body = handle.read()
    with open(os.environ["GITHUB_EVENT_PATH"], encoding="utf-8") as handle:
        pull = json.load(handle).get("pull_request")
    if pull is None:
        print("not a pull request: no comment; the diff is in the job summary")
        return
    if pull["head"]["repo"]["full_name"] != pull["base"]["repo"]["full_name"]:
        print("::notice::pull request from a fork: its token cannot comment; the diff is in the job summary")
        return
    github = GitHub(os.environ.get("GITHUB_API_URL", "https://api.github.com"), os.environ["GITHUB_TOKEN"])
    repository, number = os.environ["GITHUB_REPOSITORY"], pull["number"]
    try:
        # Only a bot's comment is ours: a person quoting the marker must never be overwritten.
        ours = (c for c in github.comments(repository, number) if c["user"]["type"] == "Bot")
        found = next((c for c in ours if MARKER in (c.get("body") or "")), None)
        if found is not None:
            github.call("PATCH", f"{github.api}/repos/{repository}/issues/comments/{found['id']}", {"body": body})
            print(f"updated comment {found['id']}")
        elif os.environ.get("CHANGED") == "true":
            listing = f"{github.api}/repos/{repository}/issues/{number}/comments"
            created, _ = github.call("POST", listing, {"body": body})
            print(f"posted comment {created['id']}")
        else:
            print("no registry changes and no earlier comment: nothing to post")
    except urllib.error.HTTPError as error:
        # A missing permission must not fail the check itself: say so where the author looks.
        print(f"::warning::could not post the mdports comment: HTTP {error.code} {error.reason}")


def _pull_request() -> dict[str, Any] | None:
    with open(os.environ["GITHUB_EVENT_PATH"], encoding="utf-8") as handle:
        pull: dict[str, Any] | None = json.load(handle).get("pull_request")
    if pull is None:
        print("not a pull request: no review")
        return None
    if pull["head"]["repo"]["full_name"] != pull["base"]["repo"]["full_name"]:
        print("::notice::pull request from a fork: its token cannot review; the diff is in the job summary")
        return None
    return pull


def review(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        payload = json.load(handle)
    pull = _pull_request()
    if pull is None:
        return
    github = GitHub(os.environ.get("GITHUB_API_URL", "https://api.github.com"), os.environ["GITHUB_TOKEN"])
    repository, number = os.environ["GITHUB_REPOSITORY"], pull["number"]
    reviews = f"{github.api}/repos/{repository}/pulls/{number}/reviews"
    try:
        earlier = [
            r
            for r in github.call("GET", reviews + "?per_page=100")[0]
            if r["user"]["type"] == "Bot" and REVIEW_MARKER in (r.get("body") or "")
        ]
        if not earlier and not payload["comments"] and "No finding introduced." in payload["body"]:
            print("no finding introduced and no earlier review: nothing to post")
            return
        for old in earlier:
            for line_comment in github.call("GET", f"{reviews}/{old['id']}/comments?per_page=100")[0]:
                github.call("DELETE", f"{github.api}/repos/{repository}/pulls/comments/{line_comment['id']}")
            github.call("PUT", f"{reviews}/{old['id']}", {"body": SUPERSEDED})
        payload["commit_id"] = pull["head"]["sha"]
        created, _ = github.call("POST", reviews, payload)
        print(f"posted review {created['id']} with {len(payload['comments'])} line comment(s)")
    except urllib.error.HTTPError as error:
        print(f"::warning::could not post the mdports review: HTTP {error.code} {error.reason}")


def drift_pull_request(diff_path: str, fix_path: str) -> None:
    github = GitHub(os.environ.get("GITHUB_API_URL", "https://api.github.com"), os.environ["GITHUB_TOKEN"])
    repository, branch = os.environ["GITHUB_REPOSITORY"], os.environ["MDPORTS_BRANCH"]
    owner = repository.split("/")[0]
    pulls = f"{github.api}/repos/{repository}/pulls"
    found, _ = github.call("GET", f"{pulls}?state=open&head={owner}:{branch}")
    existing = found[0] if found else None
    if os.environ.get("CHANGED") != "true":
        if existing is not None:
            github.call("PATCH", f"{pulls}/{existing['number']}", {"state": "closed"})
            print(f"nothing drifts: closed pull request #{existing['number']}")
        else:
            print("nothing drifts: no pull request")
        return
    with open(diff_path, encoding="utf-8") as handle:
        body = [
            DRIFT_MARKER,
            "The document adopts what is deployed (`mdports drift --fix document`).",
            "",
            handle.read(),
        ]
    with open(fix_path, encoding="utf-8") as handle:
        unfixed = json.load(handle).get("unfixed", [])
    if unfixed:
        body += ["", f"### Not fixed ({len(unfixed)})", ""]
        for u in unfixed:
            where = f"`{_plain(u['path'])}:{u['line']}` {u['rule']}"
            body.append(f"- {where}: {_plain(u['message'])} ({_plain(u['reason'])})")
    text = "\n".join(body)[:65_000]
    if existing is not None:
        github.call("PATCH", f"{pulls}/{existing['number']}", {"body": text})
        print(f"updated pull request #{existing['number']}")
        return
    title = "Port schema: adopt the deployed ports"
    created, _ = github.call(
        "POST", pulls, {"title": title, "head": branch, "base": os.environ["MDPORTS_BASE_BRANCH"], "body": text}
    )
    print(f"opened pull request #{created['number']}")


def _plain(text: str) -> str:
    """Deployment text in a pull request body: no HTML, no mentions, no table or code breaks."""
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("@", "@\u200b").replace("`", "'")


def main(argv: list[str]) -> None:
    match argv:
        case ["split-args"]:
            split_args()
        case ["count", path]:
            count(path)
        case ["comment", path]:
            comment(path)
        case ["review", path]:
            review(path)
        case ["drift-pull-request", diff_path, fix_path]:
            drift_pull_request(diff_path, fix_path)
        case _:
            sys.exit(
                "usage: helper.py split-args | count FILE | comment FILE | review FILE | drift-pull-request DIFF FIX"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
