"""The chain fetch → extract → anomaly → segment → diff → classify → store → notify."""
