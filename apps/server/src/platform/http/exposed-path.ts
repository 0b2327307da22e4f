/** Where exposed endpoints answer: `<EXPOSED_PATH>/<uuid>`, the UUID being the credential. */
export const EXPOSED_PATH = '/bzctrl-core-api/api/v1/task/add-exposed-task';
