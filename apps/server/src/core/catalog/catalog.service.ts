import type { Ctx } from '../../platform/context.ts';
import { AppError, validationError } from '../../platform/errors.ts';
import { adminTransaction } from '../audit/admin-change.ts';
import {
  addCustomField,
  addLocation,
  changeCustomField,
  changeLocation,
  TYPES_WITH_OPTIONS,
} from '../provisioning/entities.ts';
import type {
  CustomField,
  CustomFieldChange,
  Location,
  LocationInput,
  NewCustomField,
} from './catalog.model.ts';
import {
  type CustomFieldRow,
  customFieldInUse,
  deleteCustomField,
  deleteLocation,
  findCustomField,
  findCustomFieldById,
  findLocationById,
  findLocationByName,
  type LocationRow,
  listCustomFields,
  listLocations,
} from './catalog.repository.ts';

/** Locations and custom-field definitions, which the ITSM dialect refers to. */

const renderLocation = (l: LocationRow): Location => ({
  id: Number(l.id),
  name: l.name,
  createdAt: l.createdAt,
});

function renderCustomField(f: CustomFieldRow): CustomField {
  return {
    id: Number(f.id),
    module: f.module as CustomField['module'],
    name: f.name,
    type: f.type,
    required: f.required !== 0,
    options: f.options === null ? null : (JSON.parse(f.options) as string[]),
    createdAt: f.createdAt,
    updatedAt: f.updatedAt,
  };
}

export async function listAdminLocations(ctx: Ctx): Promise<Location[]> {
  return (await listLocations(ctx.db.kysely)).map(renderLocation);
}

export async function createAdminLocation(ctx: Ctx, body: LocationInput): Promise<Location> {
  const id = await adminTransaction(ctx, async ({ trx, ts, audit }) => {
    if (await findLocationByName(trx, body.name)) {
      throw new AppError('conflict', `Location "${body.name}" already exists`);
    }
    const saved = await addLocation(trx, body.name, ts);
    await audit('location', saved.id, 'create', saved.changes);
    return saved.id;
  });
  return renderLocation((await findLocationById(ctx.db.kysely, id)) as LocationRow);
}

export async function patchAdminLocation(
  ctx: Ctx,
  id: number,
  body: LocationInput,
): Promise<Location> {
  await adminTransaction(ctx, async ({ trx, audit }) => {
    const row = await findLocationById(trx, id);
    if (!row) throw new AppError('not_found', `No location ${id}`);
    const other = await findLocationByName(trx, body.name);
    if (other && Number(other.id) !== id) {
      throw new AppError('conflict', `Location "${body.name}" already exists`);
    }
    const saved = await changeLocation(trx, row, body);
    await audit('location', id, 'update', saved.changes);
  });
  return renderLocation((await findLocationById(ctx.db.kysely, id)) as LocationRow);
}

/** No table refers to a location row (schema 001/002), so one can always go. */
export async function deleteAdminLocation(ctx: Ctx, id: number): Promise<void> {
  await adminTransaction(ctx, async ({ trx, audit }) => {
    const row = await findLocationById(trx, id);
    if (!row) throw new AppError('not_found', `No location ${id}`);
    await deleteLocation(trx, id);
    await audit('location', id, 'delete', { name: [row.name, null] });
  });
}

export async function listAdminCustomFields(ctx: Ctx): Promise<CustomField[]> {
  return (await listCustomFields(ctx.db.kysely)).map(renderCustomField);
}

export async function getAdminCustomField(ctx: Ctx, id: number): Promise<CustomField> {
  const row = await findCustomFieldById(ctx.db.kysely, id);
  if (!row) throw new AppError('not_found', `No custom field ${id}`);
  return renderCustomField(row);
}

function checkOptions(type: number, options: string[] | null | undefined): void {
  if (options && !TYPES_WITH_OPTIONS.includes(type)) {
    throw validationError([
      { field: 'options', message: 'only STRING (1) and list types (7, 8) take options' },
    ]);
  }
}

export async function createAdminCustomField(ctx: Ctx, body: NewCustomField): Promise<CustomField> {
  checkOptions(body.type, body.options);
  const id = await adminTransaction(ctx, async ({ trx, ts, audit }) => {
    if (await findCustomField(trx, body.module, body.name)) {
      throw new AppError(
        'conflict',
        `Custom field "${body.name}" already exists in module ${body.module}`,
      );
    }
    const saved = await addCustomField(trx, body, ts);
    await audit('customField', saved.id, 'create', saved.changes);
    return saved.id;
  });
  return getAdminCustomField(ctx, id);
}

/**
 * Changes a definition. Its type cannot change while todos hold values for it: those
 * values were checked against the old type.
 */
export async function patchAdminCustomField(
  ctx: Ctx,
  id: number,
  body: CustomFieldChange,
): Promise<CustomField> {
  await adminTransaction(ctx, async ({ trx, ts, audit }) => {
    const row = await findCustomFieldById(trx, id);
    if (!row) throw new AppError('not_found', `No custom field ${id}`);
    const type = body.type ?? row.type;
    const options =
      body.options === undefined
        ? row.options === null
          ? null
          : (JSON.parse(row.options) as string[])
        : body.options;
    checkOptions(type, options);
    const module = body.module ?? row.module;
    const name = body.name ?? row.name;
    const other = await findCustomField(trx, module, name);
    if (other && Number(other.id) !== id) {
      throw new AppError('conflict', `Custom field "${name}" already exists in module ${module}`);
    }
    if (type !== row.type && (await customFieldInUse(trx, id))) {
      throw new AppError(
        'conflict',
        `Custom field ${id} has values on todos; its type cannot change from ${row.type} to ${type}`,
      );
    }
    const saved = await changeCustomField(trx, row, body, ts);
    await audit('customField', id, 'update', saved.changes);
  });
  return getAdminCustomField(ctx, id);
}

/** Only a field no todo holds a value for can go; the values would go with it. */
export async function deleteAdminCustomField(ctx: Ctx, id: number): Promise<void> {
  await adminTransaction(ctx, async ({ trx, audit }) => {
    const row = await findCustomFieldById(trx, id);
    if (!row) throw new AppError('not_found', `No custom field ${id}`);
    if (await customFieldInUse(trx, id)) {
      throw new AppError(
        'conflict',
        `Custom field ${id} has values on todos; it cannot be deleted`,
      );
    }
    await deleteCustomField(trx, id);
    const { createdAt: _c, updatedAt: _u, id: _i, ...was } = renderCustomField(row);
    await audit(
      'customField',
      id,
      'delete',
      Object.fromEntries(Object.entries(was).map(([k, v]) => [k, [v, null]])),
    );
  });
}
