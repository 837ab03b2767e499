"""The partner API (`/api/v1`) and the personal access tokens it is called with."""
