// @bzctrl/form-contract: the one reading of BzCtrl's form contract for every client
// (the web app's form, <bzctrl-todo-form>). Pure functions, no DOM, no fetch.
export { checkValue, checkValues, isDate, type Problem, type ProblemCode } from './check.ts';
export {
  type Contract,
  customFields,
  type FieldRule,
  fieldOf,
  type ItemType,
  type JsonSchema,
  readContract,
  type ValueType,
} from './contract.ts';
export { isPastDate, localDay } from './dates.ts';
export {
  atField,
  checkEmail,
  lacksDomainEnding,
  lengthNote,
  MESSAGES,
  problemMessage,
} from './messages.ts';
export {
  SEED_TABLE,
  type SeedControl,
  type SeedRow,
  seedLabel,
  seedRow,
  withSeedMarks,
} from './seed-table.ts';
export {
  type BodyOptions,
  createBody,
  type FormValue,
  type FormValues,
  patchBody,
  splitList,
  toApiValue,
} from './values.ts';
