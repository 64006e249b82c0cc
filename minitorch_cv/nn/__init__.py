"""Neural-network layers, losses, init and functional ops, with torch.nn's names."""
