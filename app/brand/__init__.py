"""The brand's own profile: its name, logo and customer-service contact, shown wherever the brand speaks."""
