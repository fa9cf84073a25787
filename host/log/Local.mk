# host/log: zkseqd's structured log (key=value or JSON lines, live level, SIGHUP reopen).
$(call add-objs,zs_log,zs_log.c)
$(call add-unit-test,test_log,test_log.c,zs_testsupport zs_log zs_lib,$(JSON_LIBS))
