"""The deployment side: readers for compose, Prometheus, env, cloudflared and Kubernetes, drift and its fixes."""
