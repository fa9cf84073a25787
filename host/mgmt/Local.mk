# host/mgmt: the management port (line JSON, for zkseqctl) and the metrics port
# (Prometheus text), plain on loopback or TLS with a token beyond it.
$(call add-objs,zs_mgmt,zs_mgmt.c zs_mgmt_cmd.c zs_mgmt_metrics.c zs_conn.c)
