$(call add-objs,zs_dpdk,zs_dpdk.c,$(DPDK_CFLAGS))
$(call add-integ-test,dpdk-netns,test_dpdk_netns.mjs)
