/* placeholder so the library is not empty */
int lawqa_statutes_placeholder;
