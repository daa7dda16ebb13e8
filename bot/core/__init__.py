"""The advice core: plain functions over plain data. No discord, no database."""
