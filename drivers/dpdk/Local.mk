$(call add-objs,zs_dpdk,zs_dpdk_port.c,$(DPDK_CFLAGS))
