/* placeholder so the library is not empty */
int lawqa_evaluation_placeholder;
