/** Locations and custom-field definitions as the core hands them out and takes them in. */

export type CustomFieldModule = 'incident' | 'task';
/** STRING=1, INTEGER=2, DOUBLE=3, BOOLEAN=4, LONG=5, INTEGER LIST=7, STRING LIST=8, BIG STRING=10. */
export type CustomFieldTypeCode = 1 | 2 | 3 | 4 | 5 | 7 | 8 | 10;

export interface Location {
  id: number;
  name: string;
  createdAt: string;
}

export interface CustomField {
  id: number;
  module: CustomFieldModule;
  name: string;
  type: number;
  required: boolean;
  options: string[] | null;
  createdAt: string;
  updatedAt: string;
}

export interface LocationInput {
  name: string;
}

export interface NewCustomField {
  module: CustomFieldModule;
  name: string;
  type: CustomFieldTypeCode;
  required?: boolean;
  /** Allowed values; only STRING (1) and the list types (7, 8) take them. */
  options?: string[];
}

export interface CustomFieldChange {
  module?: CustomFieldModule;
  name?: string;
  type?: CustomFieldTypeCode;
  required?: boolean;
  options?: string[] | null;
}
