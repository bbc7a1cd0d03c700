"""The PostgreSQL extensions the FAQ search uses: unaccent (diacritic-free matching) and
pg_trgm (typo-tolerant similarity). Nothing happens on other databases (SQLite searches in
Python)."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_faq_handbook_inquiries_ratings_cdci_partnership")]

    operations = [UnaccentExtension(), TrigramExtension()]
