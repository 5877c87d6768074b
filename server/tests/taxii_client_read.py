"""Reads one of Værn's TAXII collections (by default the feed) with the OASIS
taxii2-client, page by page, and prints every object as one JSON list:
`python taxii_client_read.py API_ROOT_URL TOKEN [COLLECTION_ID]`.

Run by server/tests/it/feed.rs and feedback.rs, which compare the list with what they
read themselves, so a collection that only our own client understands fails."""

import json
import sys

from taxii2client.v21 import ApiRoot, as_pages

FEED = "8c1d6f2a-4e3b-4b9a-8f07-2d5c9e1a7b42"


def main() -> None:
    url, token = sys.argv[1], sys.argv[2]
    wanted = sys.argv[3] if len(sys.argv) > 3 else FEED
    # HTTP Basic with the token as password, one of the two ways Værn takes a token.
    root = ApiRoot(url, user="token", password=token)
    feed = next(c for c in root.collections if c.id == wanted)
    if not feed.can_read:
        sys.exit(f"collection {wanted} says it cannot be read")
    objects = []
    for envelope in as_pages(feed.get_objects, per_request=3):
        objects.extend(envelope.get("objects", []))
    json.dump(objects, sys.stdout)


if __name__ == "__main__":
    main()
