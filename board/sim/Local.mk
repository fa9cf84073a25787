# The sim board: the HAL on Linux and zkseq-fw.
$(call add-objs,zs_board_sim,sim_hal.c,$(FW_CFLAGS))
$(call add-bin,zkseq-fw,main.c,zs_board_sim zs_fw zs_kzg zs_kzgext zs_lib,$(SECP_LIBS) $(JSON_LIBS) $(MBEDTLS_TLS_LIBS))
