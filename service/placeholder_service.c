/* placeholder so the library is not empty */
int lawqa_service_placeholder;
