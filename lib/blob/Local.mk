# lib/blob: Polygon's blob layout and hashes (pure; the KZG work is lib/kzg's).
$(call add-objs,zs_lib,zs_blob.c)
$(call add-unit-test,test_blob,test_blob.c,zs_testsupport zs_kzg zs_kzgext zs_lib,$(JSON_LIBS) $(MBEDTLS_LIBS))
