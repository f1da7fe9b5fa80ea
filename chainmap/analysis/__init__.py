"""What we compute: classification, relatedness, gaps, scoring, plan, KPIs (pure functions)."""
