"""English is the source language: its catalog repeats each msgid, so nothing is left empty."""
from babel.messages.pofile import read_po, write_po

PATH = "translations/en/LC_MESSAGES/messages.po"

with open(PATH, "rb") as fh:
    catalog = read_po(fh, locale="en")
for message in catalog:
    if message.id:
        message.string = tuple(message.id) if isinstance(message.id, tuple) else message.id
        message.flags.discard("fuzzy")
with open(PATH, "wb") as fh:
    write_po(fh, catalog, width=0)
