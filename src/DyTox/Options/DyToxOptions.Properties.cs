// Generated from the reference's argparse table (main.py at 4da25c1) plus this project's additions
// (in_chans, mlp_ratio); keep in sync with OptionSchema.Table.cs.
namespace DyTox.Options;

/// <summary>
/// Every option of the DyTox trainer, under the reference's key names (YAML keys = argparse dests).
/// Defaults are the reference's argparse defaults (what applies when no option file sets a key).
/// </summary>
public sealed partial class DyToxOptions
{
    // ---- Model
    /// <summary><c>model</c>: Backbone name (convit).</summary>
    public string Model { get; set; } = "";

    /// <summary><c>input_size</c>: Image side in pixels.</summary>
    public int InputSize { get; set; } = 32;

    /// <summary><c>in_chans</c>: Image channels (1 for Fashion-MNIST); not in the reference (always 3 there).</summary>
    public int InChans { get; set; } = 3;

    /// <summary><c>patch_size</c>: Patch side in pixels.</summary>
    public int PatchSize { get; set; } = 16;

    /// <summary><c>embed_dim</c>: Embedding width D.</summary>
    public int EmbedDim { get; set; } = 768;

    /// <summary><c>depth</c>: Number of blocks (SABs + TABs).</summary>
    public int Depth { get; set; } = 12;

    /// <summary><c>num_heads</c>: Attention heads.</summary>
    public int NumHeads { get; set; } = 12;

    /// <summary><c>mlp_ratio</c>: MLP hidden width / D (ConViT default 4; not a reference flag).</summary>
    public double MlpRatio { get; set; } = 4.0;

    /// <summary><c>train_fraction</c>: Fraction of each task's training images used, per class (this project's
    /// addition, for quick runs; 1 = all).</summary>
    public double TrainFraction { get; set; } = 1.0;

    /// <summary><c>reference_sampler</c>: Reproduce the reference's single-process repeated-augmentation sampler
    /// (same permutation every epoch, half the samples; dytox-spec §2.3). This project's addition; default false.</summary>
    public bool ReferenceSampler { get; set; } = false;

    /// <summary><c>reference_finetuning</c>: Reproduce the reference's finetuning details (class-ordered loader that
    /// drops the last partial batch, drop-path active in the frozen SABs; dytox-spec §7.10–7.11). This project's
    /// addition; default false.</summary>
    public bool ReferenceFinetuning { get; set; } = false;

    /// <summary><c>drop</c>: Dropout rate.</summary>
    public double Drop { get; set; } = 0.0;

    /// <summary><c>drop_path</c>: Stochastic depth rate.</summary>
    public double DropPath { get; set; } = 0.1;

    /// <summary><c>norm</c>: Normalisation layer (layer or scale).</summary>
    public string Norm { get; set; } = "layer";

    /// <summary><c>local_up_to_layer</c>: Number of leading GPSA blocks (SABs).</summary>
    public int LocalUpToLayer { get; set; } = 10;

    /// <summary><c>locality_strength</c>: GPSA locality strength.</summary>
    public double LocalityStrength { get; set; } = 1.0;

    /// <summary><c>class_attention</c>: Non-GPSA blocks are class-attention (TAB) blocks.</summary>
    public bool ClassAttention { get; set; } = false;

    // ---- Training setting
    /// <summary><c>batch_size</c>: Batch size per process (task 0).</summary>
    public int BatchSize { get; set; } = 128;

    /// <summary><c>incremental_batch_size</c>: Batch size for tasks t &gt;= 1 (null = batch_size).</summary>
    public int? IncrementalBatchSize { get; set; } = null;

    /// <summary><c>epochs</c>: Epochs per incremental task.</summary>
    public int Epochs { get; set; } = 500;

    /// <summary><c>base_epochs</c>: Epochs of task 0.</summary>
    public int BaseEpochs { get; set; } = 500;

    /// <summary><c>no_amp</c>: Disable mixed precision.</summary>
    public bool NoAmp { get; set; } = false;

    /// <summary><c>eval_every</c>: Evaluate every N epochs (logging only).</summary>
    public int? EvalEvery { get; set; } = 50;

    /// <summary><c>debug</c>: One batch per epoch.</summary>
    public bool Debug { get; set; } = false;

    /// <summary><c>max_task</c>: Stop before this task id.</summary>
    public int? MaxTask { get; set; } = null;

    /// <summary><c>seed</c>: Random seed.</summary>
    public int Seed { get; set; } = 0;

    /// <summary><c>device</c>: Device.</summary>
    public string Device { get; set; } = "cuda";

    // ---- Optimizer
    /// <summary><c>opt</c>: Optimizer.</summary>
    public string Opt { get; set; } = "adamw";

    /// <summary><c>opt_eps</c>: Optimizer epsilon.</summary>
    public double OptEps { get; set; } = 1e-8;

    /// <summary><c>opt_betas</c>: Optimizer betas (null = optimizer default).</summary>
    public IReadOnlyList<double>? OptBetas { get; set; } = null;

    /// <summary><c>clip_grad</c>: Gradient norm clipping (null = none).</summary>
    public double? ClipGrad { get; set; } = null;

    /// <summary><c>momentum</c>: SGD momentum.</summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary><c>weight_decay</c>: Weight decay.</summary>
    public double WeightDecay { get; set; } = 0.05;

    // ---- Schedule
    /// <summary><c>sched</c>: LR scheduler.</summary>
    public string Sched { get; set; } = "cosine";

    /// <summary><c>lr</c>: Base LR per 512 images.</summary>
    public double Lr { get; set; } = 5e-4;

    /// <summary><c>incremental_lr</c>: LR for tasks t &gt;= 1 (null = lr).</summary>
    public double? IncrementalLr { get; set; } = null;

    /// <summary><c>lr_noise</c>: LR noise on/off epoch percentages.</summary>
    public IReadOnlyList<double>? LrNoise { get; set; } = null;

    /// <summary><c>lr_noise_pct</c>: LR noise limit percent.</summary>
    public double LrNoisePct { get; set; } = 0.67;

    /// <summary><c>lr_noise_std</c>: LR noise std.</summary>
    public double LrNoiseStd { get; set; } = 1.0;

    /// <summary><c>warmup_lr</c>: Warmup start LR.</summary>
    public double WarmupLr { get; set; } = 1e-6;

    /// <summary><c>incremental_warmup_lr</c>: Warmup LR for tasks t &gt;= 1.</summary>
    public double? IncrementalWarmupLr { get; set; } = null;

    /// <summary><c>min_lr</c>: Cosine floor.</summary>
    public double MinLr { get; set; } = 1e-5;

    /// <summary><c>decay_epochs</c>: Step decay interval.</summary>
    public double DecayEpochs { get; set; } = 30.0;

    /// <summary><c>warmup_epochs</c>: Warmup epochs.</summary>
    public int WarmupEpochs { get; set; } = 5;

    /// <summary><c>cooldown_epochs</c>: Cooldown epochs.</summary>
    public int CooldownEpochs { get; set; } = 10;

    /// <summary><c>patience_epochs</c>: Plateau patience.</summary>
    public int PatienceEpochs { get; set; } = 10;

    /// <summary><c>decay_rate</c>: Decay rate.</summary>
    public double DecayRate { get; set; } = 0.1;

    // ---- Augmentation
    /// <summary><c>color_jitter</c>: Colour jitter (ignored when RandAugment is on).</summary>
    public double ColorJitter { get; set; } = 0.4;

    /// <summary><c>aa</c>: RandAugment policy.</summary>
    public string? Aa { get; set; } = "rand-m9-mstd0.5-inc1";

    /// <summary><c>smoothing</c>: Label smoothing.</summary>
    public double Smoothing { get; set; } = 0.1;

    /// <summary><c>train_interpolation</c>: Training interpolation.</summary>
    public string TrainInterpolation { get; set; } = "bicubic";

    /// <summary><c>repeated_aug</c>: Repeated augmentation sampler.</summary>
    public bool RepeatedAug { get; set; } = true;

    /// <summary><c>reprob</c>: Random erasing probability.</summary>
    public double Reprob { get; set; } = 0.25;

    /// <summary><c>remode</c>: Random erasing mode.</summary>
    public string Remode { get; set; } = "pixel";

    /// <summary><c>recount</c>: Random erasing count.</summary>
    public int Recount { get; set; } = 1;

    /// <summary><c>resplit</c>: Random erasing split.</summary>
    public bool Resplit { get; set; } = false;

    /// <summary><c>mixup</c>: MixUp alpha.</summary>
    public double Mixup { get; set; } = 0.8;

    /// <summary><c>cutmix</c>: CutMix alpha.</summary>
    public double Cutmix { get; set; } = 1.0;

    /// <summary><c>cutmix_minmax</c>: CutMix min/max ratio.</summary>
    public IReadOnlyList<double>? CutmixMinmax { get; set; } = null;

    /// <summary><c>mixup_prob</c>: Probability of MixUp/CutMix.</summary>
    public double MixupProb { get; set; } = 1.0;

    /// <summary><c>mixup_switch_prob</c>: Probability of switching to CutMix.</summary>
    public double MixupSwitchProb { get; set; } = 0.5;

    /// <summary><c>mixup_mode</c>: MixUp mode (batch, pair, elem, old).</summary>
    public string MixupMode { get; set; } = "batch";

    // ---- Distillation
    /// <summary><c>auto_kd</c>: KD weight alpha = C_old / C_tot.</summary>
    public bool AutoKd { get; set; } = false;

    /// <summary><c>kd</c>: Fixed KD weight.</summary>
    public double Kd { get; set; } = 0.0;

    /// <summary><c>distillation_tau</c>: KD temperature.</summary>
    public double DistillationTau { get; set; } = 1.0;

    /// <summary><c>resnet</c>: ResNet18 encoder ablation.</summary>
    public bool Resnet { get; set; } = false;

    /// <summary><c>pod</c>: POD distillation weight.</summary>
    public double? Pod { get; set; } = null;

    /// <summary><c>pod_scales</c>: POD scales.</summary>
    public IReadOnlyList<int> PodScales { get; set; } = [1];

    /// <summary><c>pod_scaling</c>: POD scaling.</summary>
    public bool PodScaling { get; set; } = false;

    // ---- Data
    /// <summary><c>data_path</c>: Dataset root.</summary>
    public string DataPath { get; set; } = "";

    /// <summary><c>data_set</c>: Dataset (CIFAR, imagenet100, imagenet1000, fmnist, ...).</summary>
    public string DataSet { get; set; } = "IMNET";

    /// <summary><c>inat_category</c>: iNaturalist granularity.</summary>
    public string InatCategory { get; set; } = "name";

    /// <summary><c>output_dir</c>: Output directory (derived).</summary>
    public string OutputDir { get; set; } = "";

    /// <summary><c>output_basedir</c>: Base output directory.</summary>
    public string OutputBasedir { get; set; } = "./checkponts/";

    /// <summary><c>num_workers</c>: Loader workers.</summary>
    public int NumWorkers { get; set; } = 10;

    /// <summary><c>pin_mem</c>: Pin host memory.</summary>
    public bool PinMem { get; set; } = true;

    /// <summary><c>validation</c>: Fraction of train used as validation.</summary>
    public double Validation { get; set; } = 0.0;

    // ---- Continual learning
    /// <summary><c>initial_increment</c>: Classes of task 0.</summary>
    public int InitialIncrement { get; set; } = 50;

    /// <summary><c>increment</c>: Classes per later task.</summary>
    public int Increment { get; set; } = 10;

    /// <summary><c>class_order</c>: Class order (one list, or a list of lists to run several orders).</summary>
    public IReadOnlyList<IReadOnlyList<int>>? ClassOrder { get; set; } = null;

    /// <summary><c>name</c>: Run name.</summary>
    public string Name { get; set; } = "";

    /// <summary><c>options</c>: Option files (command line only).</summary>
    public IReadOnlyList<string> Options { get; set; } = [];

    /// <summary><c>log_path</c>: Log root.</summary>
    public string LogPath { get; set; } = "logs";

    /// <summary><c>log_category</c>: Log category (e.g. 10-10).</summary>
    public string LogCategory { get; set; } = "misc";

    // ---- DyTox
    /// <summary><c>dytox</c>: Enable the DyTox token expansion.</summary>
    public bool Dytox { get; set; } = false;

    /// <summary><c>ind_clf</c>: Independent classifiers (1-1, 1-n, n-n, n-1).</summary>
    public string IndClf { get; set; } = "";

    /// <summary><c>joint_tokens</c>: Batched TAB over all tokens.</summary>
    public bool JointTokens { get; set; } = false;

    /// <summary><c>head_div</c>: Divergence head weight.</summary>
    public double HeadDiv { get; set; } = 0.0;

    /// <summary><c>head_div_mode</c>: Phases with the divergence head (tr, ft).</summary>
    public IReadOnlyList<string> HeadDivMode { get; set; } = ["tr", "ft"];

    /// <summary><c>bce_loss</c>: Sigmoid + BCE loss.</summary>
    public bool BceLoss { get; set; } = false;

    // ---- SAM
    /// <summary><c>sam_rho</c>: SAM rho (0 = off).</summary>
    public double SamRho { get; set; } = 0.0;

    /// <summary><c>sam_adaptive</c>: ASAM.</summary>
    public bool SamAdaptive { get; set; } = false;

    /// <summary><c>sam_first</c>: SAM first step loader.</summary>
    public string SamFirst { get; set; } = "main";

    /// <summary><c>sam_second</c>: SAM second step loader.</summary>
    public string SamSecond { get; set; } = "main";

    /// <summary><c>sam_skip_first</c>: No SAM on task 0.</summary>
    public bool SamSkipFirst { get; set; } = false;

    /// <summary><c>sam_final</c>: Final rho (linear per task).</summary>
    public double? SamFinal { get; set; } = null;

    /// <summary><c>sam_div</c>: SAM for diversity.</summary>
    public string SamDiv { get; set; } = "";

    /// <summary><c>sam_mode</c>: Phases with SAM.</summary>
    public IReadOnlyList<string> SamMode { get; set; } = ["tr", "ft"];

    /// <summary><c>look_sam_k</c>: LookSAM period.</summary>
    public int LookSamK { get; set; } = 0;

    /// <summary><c>look_sam_alpha</c>: LookSAM alpha.</summary>
    public double LookSamAlpha { get; set; } = 0.7;

    // ---- Rehearsal
    /// <summary><c>memory_size</c>: Memory budget (per process when distributed).</summary>
    public int MemorySize { get; set; } = 2000;

    /// <summary><c>distributed_memory</c>: One memory per process.</summary>
    public bool DistributedMemory { get; set; } = true;

    /// <summary><c>oversample_memory</c>: Times the memory is appended to task data.</summary>
    public int OversampleMemory { get; set; } = 1;

    /// <summary><c>oversample_memory_ft</c>: Repeat factor of old exemplars in finetuning.</summary>
    public int OversampleMemoryFt { get; set; } = 1;

    /// <summary><c>rehearsal_test_trsf</c>: Herd on test-transformed images.</summary>
    public bool RehearsalTestTrsf { get; set; } = false;

    /// <summary><c>rehearsal_modes</c>: Herd N times with budget/N.</summary>
    public int RehearsalModes { get; set; } = 1;

    /// <summary><c>fixed_memory</c>: Fixed per-class budget (M / total classes).</summary>
    public bool FixedMemory { get; set; } = false;

    /// <summary><c>rehearsal</c>: Exemplar selection (random, closest_*, icarl_*, furthest_*).</summary>
    public string Rehearsal { get; set; } = "random";

    /// <summary><c>sep_memory</c>: Keep memory in a separate loader.</summary>
    public bool SepMemory { get; set; } = false;

    /// <summary><c>replay_memory</c>: Separate memory loader batch size.</summary>
    public int ReplayMemory { get; set; } = 0;

    // ---- Finetuning
    /// <summary><c>finetuning</c>: Finetuning type (balanced or empty).</summary>
    public string Finetuning { get; set; } = "";

    /// <summary><c>finetuning_epochs</c>: Finetuning epochs.</summary>
    public int FinetuningEpochs { get; set; } = 30;

    /// <summary><c>finetuning_lr</c>: Finetuning LR per 512 images.</summary>
    public double FinetuningLr { get; set; } = 5e-5;

    /// <summary><c>finetuning_teacher</c>: KD during finetuning.</summary>
    public bool FinetuningTeacher { get; set; } = false;

    /// <summary><c>finetuning_resetclf</c>: Reset classifiers before finetuning.</summary>
    public bool FinetuningResetclf { get; set; } = false;

    /// <summary><c>only_ft</c>: Train on the finetuning data only.</summary>
    public bool OnlyFt { get; set; } = false;

    /// <summary><c>ft_no_sampling</c>: Sequential finetuning loader.</summary>
    public bool FtNoSampling { get; set; } = false;

    /// <summary><c>freeze_task</c>: Parts frozen for tasks t &gt;= 1.</summary>
    public IReadOnlyList<string> FreezeTask { get; set; } = [];

    /// <summary><c>freeze_ft</c>: Parts frozen during finetuning.</summary>
    public IReadOnlyList<string> FreezeFt { get; set; } = [];

    /// <summary><c>freeze_eval</c>: Frozen parts in eval mode.</summary>
    public bool FreezeEval { get; set; } = false;

    // ---- Distributed / resume
    /// <summary><c>local_rank</c>: Local rank.</summary>
    public int? LocalRank { get; set; } = null;

    /// <summary><c>world_size</c>: Number of processes (GPUs) in the original; here the number of data-parallel replicas of
    /// <c>batch_size</c> that form one global batch, run one after another on the device (TrainerSettings.WorldSize).</summary>
    public int WorldSize { get; set; } = 1;

    /// <summary><c>dist_url</c>: Distributed URL.</summary>
    public string DistUrl { get; set; } = "env://";

    /// <summary><c>dist_eval</c>: Distributed evaluation.</summary>
    public bool DistEval { get; set; } = false;

    /// <summary><c>eval</c>: Evaluation only.</summary>
    public bool Eval { get; set; } = false;

    /// <summary><c>resume</c>: Resume directory.</summary>
    public string Resume { get; set; } = "";

    /// <summary><c>start_task</c>: First task to train when resuming.</summary>
    public int StartTask { get; set; } = 0;

    /// <summary><c>start_epoch</c>: First epoch when resuming.</summary>
    public int StartEpoch { get; set; } = 0;

    /// <summary><c>save_every_epoch</c>: Checkpoint period in epochs.</summary>
    public int? SaveEveryEpoch { get; set; } = null;

    /// <summary><c>retrain_scratch</c>: Retrain from scratch on all data each step.</summary>
    public bool RetrainScratch { get; set; } = false;
}
