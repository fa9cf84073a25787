$(call add-objs,zs_dpdk,zs_dpdk.c,$(DPDK_CFLAGS))
$(call add-integ-test,dpdk-netns,test_dpdk_netns.mjs)
$(call add-integ-test,dpdk-pcap,test_dpdk_pcap.mjs)
$(call add-integ-test,dpdk-tap,test_dpdk_tap.mjs)
