"""Optimizers with torch.optim's names and update rules."""
