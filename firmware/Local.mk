# The firmware core (sees only hal.h), built here for the host with TLS.
$(call add-objs,zs_fw,fw_core.c fw_cfg.c fw_log.c fw_journal.c fw_policy.c fw_submit.c fw_submit_blob.c fw_blob.c fw_rollup.c fw_mbox.c fw_console.c fw_l1.c fw_http.c fw_json.c,-DZS_FW_TLS=1 $(FW_CFLAGS))
$(call add-unit-test,test_fw,test/test_fw.c test/fw_world.c test/fake_hal.c test/fake_l1.c,zs_testsupport zs_fw zs_kzg zs_kzgext zs_lib,$(SECP_LIBS) $(JSON_LIBS) $(MBEDTLS_TLS_LIBS))
$(call add-integ-test,l1-e2e,test_l1_e2e.mjs)
$(call add-integ-test,l1-faults,test_l1_faults.mjs)
$(call add-integ-test,l1-tls,test_l1_tls.mjs)
$(call add-integ-test,l1-forced,test_l1_forced.mjs)
$(call add-unit-test,test_fw_blob,test/test_fw_blob.c test/fw_world.c test/fake_hal.c test/fake_l1.c,zs_testsupport zs_fw zs_kzg zs_kzgext zs_lib,$(SECP_LIBS) $(JSON_LIBS) $(MBEDTLS_TLS_LIBS))
