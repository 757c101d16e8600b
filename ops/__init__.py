"""Operations-level pieces above every domain app: the demo data and the portal's health page."""
