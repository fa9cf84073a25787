# host/metrics: lock-free counters and latency histograms for export.
$(call add-objs,zs_metrics,zs_metrics.c)
$(call add-unit-test,test_metrics,test_metrics.c,zs_testsupport zs_metrics zs_lib,$(JSON_LIBS))
