// The statistics every reproduction table reports live in @geoparam/experiments.
export { describeSample, formatMeanSe, formatRange, pairedDifferences, type SampleSummary } from '@geoparam/experiments';
