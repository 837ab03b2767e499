"""Earn-learn-return plans: templates, plans and their dated milestones."""
