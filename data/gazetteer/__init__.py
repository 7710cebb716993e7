"""The shipped gazetteer (gazetteer.tsv.gz) and the script that builds it (build.py); read by data.geocode."""
